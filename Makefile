# homelab-iac: `make demo` to see it work, `make test` to prove it. Both run `make setup` first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
COLLECTION := collections/ansible_collections/homelab/iac

.PHONY: setup demo test unit integration lint sanity bench clean lab-down

setup:
	@scripts/bootstrap

demo: setup
	@$(BIN)/iac lab up
	@$(BIN)/iac apply examples/minecraft.yaml --yes
	@echo
	@echo "The game server (the lab's stand-in image) answers on its loopback port:"
	@curl -fsS --retry 5 --retry-all-errors --retry-delay 1 http://127.0.0.1:25565/ || (echo "demo: no answer on 127.0.0.1:25565" >&2; exit 1)
	@echo
	@$(BIN)/iac status
	@echo
	@echo "Try: $(BIN)/iac apply examples/minecraft.yaml --yes   # again: nothing runs, all in sync"
	@echo "     $(BIN)/iac plan \"deploy a dev environment on vlan 30\""
	@echo "     $(BIN)/iac drift ; $(BIN)/iac lab status          # then $(BIN)/iac lab down when done"

test: setup
	@$(BIN)/pytest -q

unit: setup
	@$(BIN)/pytest -q tests/unit $(COLLECTION)/tests/unit

lint: setup
	@$(BIN)/ruff check planner lab mcp_server tests bench
	@$(BIN)/mypy planner
	@$(BIN)/ansible-lint --offline -q playbooks/
	@$(MAKE) --no-print-directory sanity

sanity: setup
	@cd $(COLLECTION) && PATH=$(CURDIR)/$(BIN):$$PATH bash tests/sanity/run.sh

bench: setup
	@for script in bench/*.py; do [ -e "$$script" ] && $(BIN)/python "$$script"; done; true

lab-down:
	@$(BIN)/iac lab down

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
