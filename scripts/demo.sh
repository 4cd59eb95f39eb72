#!/usr/bin/env bash
# The README demo: shows the toolkit's version and effective configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
dist/bin/xpu-ctk --version
dist/bin/xpu-ctk config
