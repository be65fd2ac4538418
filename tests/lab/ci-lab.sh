#!/usr/bin/env bash
# The lab part of CI (root, Debian 12): packages and os-ken venv, then the
# end-to-end test against a real Open vSwitch. Expects ofscope already built
# (OFSCOPE=..., default target/release/ofscope).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/setup.sh"
"$here/e2e.sh"
