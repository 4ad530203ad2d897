#!/usr/bin/env bash
# The property-based fuzz suites at full strength (the test suite runs them with few examples).
# Usage: scripts/fuzz.sh [EXAMPLES]   (default 1000 per property)
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_EXAMPLES="${1:-1000}"
exec python -m pytest -q -s -p no:cacheprovider --hypothesis-show-statistics \
    tests/cli/test_properties.py tests/config/test_fuzz_config.py
