# tests/fault/lib.sh - sourced by tests/fault/run and tests/soak/run,
# inside their private network namespace: the stack (in $FAULT_DIR/stack,
# 2 workers) with HAProxy between the workers and DynamoDB Local, the
# workers and cognito-local, and as the workers' credential endpoint.
# Expects ROOT, BUILD, FAULT_DIR and a fail() function; sets HAPID and
# exports what faults.py / the soak driver read (FAULT_*).  The caller
# traps EXIT to fault_cleanup.

fault_cleanup() {
	[ -z "${HAPID:-}" ] || kill "$HAPID" 2>/dev/null
	[ ! -f "$ST/run/dynamodb.pid" ] ||
	    kill -CONT "$(cat "$ST/run/dynamodb.pid")" 2>/dev/null
	scripts/stack down >/dev/null 2>&1
}

fault_stack_up() {
	ip link set lo up || fail "cannot bring up lo"
	rm -rf "$FAULT_DIR"
	mkdir -p "$FAULT_DIR/haproxy"
	# STRIPE=off: the fault users are granted premium at once (1.0's
	# path); payments under faults have their own tests.
	ST="$FAULT_DIR/stack"
	HA="$FAULT_DIR/haproxy"
	export STACK_DIR=$ST HTTPS_PORT=8443 HTTP_PORT=8080 DDB_PORT=8000 \
	    COGNITO_PORT=9229 WORKERS=${FAULT_WORKERS:-2} BIN=$BUILD LIMIT_API_RATE=500r/s \
	    LIMIT_AUTH_RATE=100r/s STRIPE=off
	DDB_FRONT=18000 COG_FRONT=19229 CREDS_FRONT=19300
	HAPID=""

	echo "fault: starting the stack in a private network namespace"
	scripts/stack up >"$FAULT_DIR/up.log" 2>&1 || {
		tail -20 "$FAULT_DIR/up.log"; fail "stack up failed"; }
	cp "$ST/local.env" "$FAULT_DIR/direct.env"

	# ---- HAProxy
	sed -e "s|@DIR@|$HA|g" -e "s|@DDB_FRONT@|$DDB_FRONT|g" \
	    -e "s|@COG_FRONT@|$COG_FRONT|g" -e "s|@CREDS_FRONT@|$CREDS_FRONT|g" \
	    -e "s|@DDB_PORT@|$DDB_PORT|g" -e "s|@COGNITO_PORT@|$COGNITO_PORT|g" \
	    tests/fault/haproxy.cfg.in >"$HA/haproxy.cfg"
	cp tests/fault/delay.lua "$HA/"
	for m in ddb cognito creds; do echo "mode none" >"$HA/$m.map"; done
	haproxy -c -q -f "$HA/haproxy.cfg" || fail "haproxy.cfg does not parse"
	haproxy -db -f "$HA/haproxy.cfg" >"$HA/haproxy.log" 2>&1 &
	HAPID=$!
	for _ in $(seq 50); do [ -S "$HA/admin.sock" ] && break; sleep 0.1; done
	[ -S "$HA/admin.sock" ] || fail "haproxy did not start"

	# ---- the workers talk to AWS through HAProxy, with a short deadline so
	# that each scenario outlives several of them, and take credentials from
	# the container endpoint HAProxy plays.
	sed -i -e "s|^DYNAMODB_ENDPOINT=.*|DYNAMODB_ENDPOINT=http://127.0.0.1:$DDB_FRONT|" \
	    -e "s|^COGNITO_ENDPOINT=.*|COGNITO_ENDPOINT=http://127.0.0.1:$COG_FRONT|" \
	    -e "s|^COGNITO_JWKS_URL=http://127.0.0.1:$COGNITO_PORT|COGNITO_JWKS_URL=http://127.0.0.1:$COG_FRONT|" \
	    -e "/^AWS_ACCESS_KEY_ID=/d" -e "/^AWS_SECRET_ACCESS_KEY=/d" "$ST/local.env"
	{
		echo "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$CREDS_FRONT/creds"
		echo "AWS_EC2_METADATA_DISABLED=true"
		echo "GROWVRD_REQUEST_DEADLINE_MS=${FAULT_DEADLINE_MS:-4000}"
		echo "GROWVRD_AWS_TIMEOUT_MS=1500"
		echo "GROWVRD_AWS_CONNECT_TIMEOUT_MS=500"
	} >>"$ST/local.env"
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	scripts/stack workers-restart >>"$FAULT_DIR/up.log" 2>&1 || fail "workers-restart failed"

	set -a
	# shellcheck disable=SC1091
	. "$FAULT_DIR/direct.env"
	set +a
	export FAULT_HA_SOCK="$HA/admin.sock" FAULT_HA_DIR="$HA" \
	    FAULT_DDB_FRONT=$DDB_FRONT FAULT_RUN="$ST/run" FAULT_LOGS="$ST/log" \
	    FAULT_DEADLINE_MS=${FAULT_DEADLINE_MS:-4000}
}
