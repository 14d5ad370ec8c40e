"""proxmoxer 2.3.0, unpatched, against the emulator: errors read from the reason phrase, tasks helper."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from proxmoxer import ProxmoxAPI, ResourceException
from proxmoxer.tools import Tasks

from tests.integration.proxmox.conftest import PveEndpoint

pytestmark = pytest.mark.integration


@pytest.fixture
def prox(pve: PveEndpoint) -> ProxmoxAPI:
    url = urlsplit(pve.url)
    user, _, token_name = pve.token_id.partition("!")
    return ProxmoxAPI(url.hostname, port=url.port, user=user, token_name=token_name, token_value=pve.secret,
                      verify_ssl=pve.ca_cert)


def test_proxmoxer_calls_behave_as_documented(prox: ProxmoxAPI) -> None:
    assert prox.version.get()["release"] == "8.4"
    upid = prox.nodes("pve").qemu.post(vmid=840, name="px", memory="1024", net0="virtio,bridge=vmbr0")
    assert Tasks.decode_upid(upid)["type"] == "qmcreate"
    status = Tasks.blocking_status(prox, upid, timeout=10, polling_interval=0.1)
    assert status["exitstatus"] == "OK"
    with pytest.raises(ResourceException) as duplicate:
        prox.nodes("pve").qemu.post(vmid=840)
    assert str(duplicate.value) == (
        "500 Internal Server Error: unable to create VM 840 - VM 840 already exists on node 'pve'"
    )
    with pytest.raises(ResourceException) as invalid:
        prox.nodes("pve").qemu(840).config.put(onboot=True)
    assert invalid.value.content == "Parameter verification failed."
    assert invalid.value.errors == {"onboot": "type check ('boolean') failed - got 'True'"}
    prox.nodes("pve").qemu(840).config.put(onboot=1, tags="b,a")
    assert prox.nodes("pve").qemu(840).config.get()["tags"] == "a;b"
    log = Tasks.decode_log(prox.nodes("pve").tasks(upid).log.get())
    assert log.endswith("TASK OK")
    Tasks.blocking_status(prox, prox.nodes("pve").qemu.delete(840), timeout=10, polling_interval=0.1)
    assert 840 not in [vm["vmid"] for vm in prox.nodes("pve").qemu.get()]
