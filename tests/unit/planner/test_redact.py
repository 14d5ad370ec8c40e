from planner.redact import MASK, scrub


def test_secret_named_keys_are_masked_at_any_depth_and_argument_echoes_dropped() -> None:
    result = {
        "changed": True,
        "invocation": {"module_args": {"env": {"RCON_PASSWORD": "hunter2"}}},
        "container": {"name": "mc", "env": {"RCON_PASSWORD": "hunter2"}, "labels": {"api_token": "abc"}},
        "items": [{"password": "p"}, {"password": ""}],
    }
    clean = scrub(result)
    assert "hunter2" not in repr(clean) and "abc" not in repr(clean)
    assert clean["container"]["labels"]["api_token"] == MASK
    assert clean["items"] == [{"password": MASK}, {"password": ""}]
    assert clean["container"]["name"] == "mc"
    assert "invocation" not in clean
