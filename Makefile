# XPU Container Toolkit. `make help` lists the targets.
SHELL := /bin/bash
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR ?=

export DENO_DIR := $(CURDIR)/.deno
export DENO_NO_UPDATE_CHECK := 1
export RUST_BACKTRACE := 0
DENO := .tools/node_modules/.bin/deno
SOURCES := main.ts deno.json deno.lock $(shell find src -name "*.ts" 2>/dev/null)

.PHONY: all build dist/bin/xpu-ctk setup deps tools test check fmt lint typecheck install clean demo bench help

all: build

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

tools: $(DENO) ## Install the pinned Deno into .tools/

$(DENO): .tools/package.json .tools/package-lock.json
	npm ci --prefix .tools --no-audit --no-fund --loglevel=error
	@test -x $(DENO)
	@touch $(DENO)

deps: ## Install the system packages the tests need (Debian, as root)
	scripts/install-deps.sh

setup: deps build ## deps + build: everything a fresh Debian machine needs

build: dist/bin/xpu-ctk ## Build dist/ (compiled binary, or the launcher where compile is impossible)

dist/bin/xpu-ctk: $(DENO) $(SOURCES) $(wildcard scripts/*.sh scripts/*.ts)
	scripts/build.sh

test: build ## Run every test (unit, CLI, end-to-end)
	scripts/test-ns.sh $(DENO) test --allow-all --parallel --frozen tests/

check: $(DENO) fmt-check lint typecheck ## fmt --check, lint and type check

fmt-check:
	$(DENO) fmt --check

lint:
	$(DENO) lint

typecheck:
	$(DENO) check --frozen main.ts src/ tests/

fmt: $(DENO) ## Format the code
	$(DENO) fmt

install: build ## Install to $(DESTDIR)$(PREFIX) and a default config to $(SYSCONFDIR) if none exists
	scripts/install.sh "$(DESTDIR)" "$(PREFIX)" "$(SYSCONFDIR)"

demo: build ## Run a busybox container with simulated XPUs (as root)
	scripts/demo.sh

bench: build ## Measure per-call overhead with hyperfine (see bench/README.md)
	bench/run.sh

clean: ## Remove build output and caches
	rm -rf dist coverage .deno build-info.json
