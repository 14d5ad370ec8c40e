#!/usr/bin/env bash
# ansible-test sanity for homelab.iac, as `make lint`/`make test` call it.
#
#   tests/sanity/run.sh                 # every sanity test
#   tests/sanity/run.sh --test pylint   # extra arguments go to ansible-test
#
# ansible-test builds one virtual environment per sanity test (--venv) and installs the pinned
# requirements into it with pip, which reaches PyPI through the machine's pip configuration. Each
# new environment is bootstrapped with a "get-pip" script that ansible-test downloads from
# ci-files.testing.ansible.com; that host is not reachable here, so this script puts an equivalent
# bootstrap into ansible-test's cache first: it runs the official pip wheel (fetched once with pip
# itself) as `pip install ...`, which is what get-pip.py does with the copy of pip it embeds.
set -euo pipefail

COLLECTION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PROJECT_ROOT="$(cd "${COLLECTION_ROOT}/../../../.." && pwd)"
VENV_BIN="${HOMELAB_IAC_VENV_BIN:-${PROJECT_ROOT}/.venv/bin}"
PYTHON_VERSION="${HOMELAB_IAC_SANITY_PYTHON:-3.11}"

case "${COLLECTION_ROOT}" in
  */ansible_collections/homelab/iac) ;;
  *) echo "run.sh: ${COLLECTION_ROOT} does not end in ansible_collections/homelab/iac" >&2; exit 2 ;;
esac

# The pip version ansible-test bootstraps into its environments (24.2 for ansible-core 2.19).
PIP_VERSION="$("${VENV_BIN}/python" - <<'EOF'
import inspect
from ansible_test._internal import python_requirements
source = inspect.getsource(python_requirements.get_venv_packages)
print(source.split("pip='", 1)[1].split("'", 1)[0])
EOF
)"
CACHE_DIR="${HOME}/.ansible/test/cache"
GET_PIP="${CACHE_DIR}/get_pip_${PIP_VERSION//./_}.py"
WHEEL_DIR="${CACHE_DIR}/homelab-iac-pip-${PIP_VERSION}"

if [ ! -f "${GET_PIP}" ]; then
  mkdir -p "${WHEEL_DIR}"
  "${VENV_BIN}/python" -m pip download --quiet --no-deps --only-binary=:all: \
    --dest "${WHEEL_DIR}" "pip==${PIP_VERSION}"
  WHEEL="$(ls "${WHEEL_DIR}"/pip-"${PIP_VERSION}"-*.whl)"
  cat > "${GET_PIP}.tmp" <<EOF
# Stand-in for get-pip.py ${PIP_VERSION}, written by homelab.iac tests/sanity/run.sh because
# ci-files.testing.ansible.com is unreachable. Runs pip from its official wheel to install itself.
import sys
sys.path.insert(0, "${WHEEL}")
from pip._internal.cli.main import main
args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--ignore-installed", *args]))
EOF
  mv "${GET_PIP}.tmp" "${GET_PIP}"
fi

cd "${COLLECTION_ROOT}"
exec "${VENV_BIN}/ansible-test" sanity --venv --python "${PYTHON_VERSION}" --color no "$@"
