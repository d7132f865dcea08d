# scripts/provision-ecs.sh - the ECS part of scripts/provision (--ecs) and
# scripts/cleanup, sourced by scripts/provision-ops.sh.
# shellcheck shell=bash

ensure_ecs() {
	step "ECS task definition" skipped "not written yet"
}

remove_ecs() {
	:
}
