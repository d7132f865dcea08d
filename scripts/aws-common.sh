# scripts/aws-common.sh - what scripts/provision and scripts/cleanup share
# (sourced, not run): settings, the awscli call wrappers, progress lines
# and the summary.
#
# Settings (environment, with defaults):
#   AWS_DEFAULT_REGION=us-east-1
#   DYNAMODB_ENDPOINT, COGNITO_ENDPOINT   emulators (DynamoDB Local,
#       cognito-local): when either is set, the services they lack
#       (Secrets Manager, IAM, CloudWatch Logs, point-in-time recovery,
#       on-demand backups) are skipped with a note
#   PLANTS_TABLE=Plants  USERS_TABLE=Users  SUBSCRIPTIONS_TABLE=Subscriptions
#   GROWVRD_POOL_NAME=growvrd  GROWVRD_CLIENT_NAME=growvrd-web
#   GROWVRD_ADMIN_GROUP=admin
#   GROWVRD_SECRET_NAME=growvrd/cognito-client-secret
#   GROWVRD_ROLE_NAME=growvrd-worker   (the instance profile's name too)
#   GROWVRD_LOG_GROUP=/growvrd/worker  GROWVRD_LOG_RETENTION_DAYS=30
#   GROWVRD_NGINX_LOG_GROUP=/growvrd/nginx
#   GROWVRD_ENV_OUT=growvrd.env        the env file provision writes
#   AWS=aws                            the awscli command
# shellcheck shell=bash

AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
export AWS_DEFAULT_REGION
# awscli v2 would page long answers through less
export AWS_PAGER=""
DYNAMODB_ENDPOINT=${DYNAMODB_ENDPOINT:-}
COGNITO_ENDPOINT=${COGNITO_ENDPOINT:-}
PLANTS_TABLE=${PLANTS_TABLE:-Plants}
USERS_TABLE=${USERS_TABLE:-Users}
SUBSCRIPTIONS_TABLE=${SUBSCRIPTIONS_TABLE:-Subscriptions}
GROWVRD_POOL_NAME=${GROWVRD_POOL_NAME:-growvrd}
GROWVRD_CLIENT_NAME=${GROWVRD_CLIENT_NAME:-growvrd-web}
GROWVRD_ADMIN_GROUP=${GROWVRD_ADMIN_GROUP:-admin}
GROWVRD_SECRET_NAME=${GROWVRD_SECRET_NAME:-growvrd/cognito-client-secret}
GROWVRD_ROLE_NAME=${GROWVRD_ROLE_NAME:-growvrd-worker}
GROWVRD_LOG_GROUP=${GROWVRD_LOG_GROUP:-/growvrd/worker}
GROWVRD_LOG_RETENTION_DAYS=${GROWVRD_LOG_RETENTION_DAYS:-30}
GROWVRD_NGINX_LOG_GROUP=${GROWVRD_NGINX_LOG_GROUP:-/growvrd/nginx}
GROWVRD_ENV_OUT=${GROWVRD_ENV_OUT:-growvrd.env}
read -r -a AWS_CMD <<<"${AWS:-aws}"

DRY_RUN=0
EMULATED=0
[ -z "$DYNAMODB_ENDPOINT$COGNITO_ENDPOINT" ] || EMULATED=1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Results of the steps, for the summary.
N_CREATED=0 N_UPDATED=0 N_UNCHANGED=0 N_SKIPPED=0 N_DELETED=0 N_KEPT=0
N_FAILED=0 N_DRIFT=0

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

# step WHAT RESULT [NOTE]: the progress line of one step, counted.
step() {
	local what=$1 result=$2 note=${3:-}
	case "$result" in
	created | "would create") N_CREATED=$((N_CREATED + 1)) ;;
	updated | "would update") N_UPDATED=$((N_UPDATED + 1)) ;;
	deleted | "would delete") N_DELETED=$((N_DELETED + 1)) ;;
	unchanged | absent) N_UNCHANGED=$((N_UNCHANGED + 1)) ;;
	skipped) N_SKIPPED=$((N_SKIPPED + 1)) ;;
	kept) N_KEPT=$((N_KEPT + 1)) ;;
	drift) N_DRIFT=$((N_DRIFT + 1)) ;;
	*) N_FAILED=$((N_FAILED + 1)) ;;
	esac
	if [ -n "$note" ]; then
		printf '%s: %-44s %s (%s)\n' "$PROG" "$what" "$result" "$note"
	else
		printf '%s: %-44s %s\n' "$PROG" "$what" "$result"
	fi
}

# dry RESULT: RESULT (created, updated, deleted), or "would create" ...
# under --dry-run.
dry() {
	if [ "$DRY_RUN" = 0 ]; then
		echo "$1"
		return 0
	fi
	case "$1" in
	created) echo "would create" ;;
	updated) echo "would update" ;;
	deleted) echo "would delete" ;;
	*) echo "$1" ;;
	esac
}

# endpoint_args SERVICE: the --endpoint-url of an emulated service.
endpoint_args() {
	case "$1" in
	dynamodb) [ -z "$DYNAMODB_ENDPOINT" ] || echo "--endpoint-url=$DYNAMODB_ENDPOINT" ;;
	cognito-idp) [ -z "$COGNITO_ENDPOINT" ] || echo "--endpoint-url=$COGNITO_ENDPOINT" ;;
	esac
}

# show ARGS...: print an aws command line, shell-quoted.
show() {
	local out="" a
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=@,+%-]+$ ]]; then
			out+=" $a"
		else
			out+=" '${a//\'/\'\\\'\'}'"
		fi
	done
	printf '%s:   + aws%s\n' "$PROG" "$out" >&2
}

# aws_ro SERVICE ARGS...: a read-only call; runs under --dry-run too.
# Prints the answer on stdout; the error text goes to $WORK/err.
aws_ro() {
	local svc=$1 ep
	shift
	ep=$(endpoint_args "$svc")
	[ "${VERBOSE:-0}" = 0 ] || show "$svc" ${ep:+"$ep"} "$@"
	"${AWS_CMD[@]}" "$svc" ${ep:+"$ep"} "$@" 2>"$WORK/err"
}

# aws_rw SERVICE ARGS...: a call that changes something: printed, and
# under --dry-run only printed.  Fails the script when the call fails.
aws_rw() {
	local svc=$1 ep
	shift
	ep=$(endpoint_args "$svc")
	show "$svc" ${ep:+"$ep"} "$@"
	[ "$DRY_RUN" = 0 ] || return 0
	if ! "${AWS_CMD[@]}" "$svc" ${ep:+"$ep"} "$@" 2>"$WORK/err"; then
		sed "s/^/$PROG:     /" "$WORK/err" >&2
		die "aws $svc $1 failed"
	fi
}

# probe SERVICE ARGS...: a describe call.  0 and the answer on stdout
# when the thing exists, 1 when the service says it does not, and the
# script stops on any other error (credentials, network).
probe() {
	local out
	if out=$(aws_ro "$@"); then
		printf '%s\n' "$out"
		return 0
	fi
	if grep -qE 'ResourceNotFound|NoSuchEntity|NotFoundException' "$WORK/err"; then
		return 1
	fi
	sed "s/^/$PROG:     /" "$WORK/err" >&2
	die "aws $1 $2 failed"
}

# aws_check: the CLI runs, and reaches the emulators when set.
aws_check() {
	command -v "${AWS_CMD[0]}" >/dev/null 2>&1 ||
	    die "${AWS_CMD[0]} not found (apt-get install awscli, or scripts/deps)"
	say "awscli: $("${AWS_CMD[@]}" --version 2>&1 | head -n 1)"
	say "region $AWS_DEFAULT_REGION$([ "$EMULATED" = 0 ] || echo ", emulators: dynamodb ${DYNAMODB_ENDPOINT:-(AWS)}, cognito ${COGNITO_ENDPOINT:-(AWS)}")"
	[ "$DRY_RUN" = 0 ] || say "dry run: the calls that would change something are printed, not made"
}

# find_pool: the id of the user pool named GROWVRD_POOL_NAME, or empty.
find_pool() {
	local ids n
	ids=$(aws_ro cognito-idp list-user-pools --max-results 60 \
	    --query "UserPools[?Name=='$GROWVRD_POOL_NAME'].Id" --output text) ||
	    { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "aws cognito-idp list-user-pools failed"; }
	[ "$ids" != None ] || ids=
	n=$(wc -w <<<"$ids")
	[ "$n" -le 1 ] || die "$n user pools are named $GROWVRD_POOL_NAME; set GROWVRD_POOL_NAME or remove the extra ones"
	printf '%s\n' "$ids"
}

# find_client POOL: the id of the app client GROWVRD_CLIENT_NAME, or empty.
find_client() {
	local ids
	ids=$(aws_ro cognito-idp list-user-pool-clients --user-pool-id "$1" \
	    --max-results 60 \
	    --query "UserPoolClients[?ClientName=='$GROWVRD_CLIENT_NAME'].ClientId" \
	    --output text) ||
	    { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "aws cognito-idp list-user-pool-clients failed"; }
	[ "$ids" != None ] || ids=
	[ "$(wc -w <<<"$ids")" -le 1 ] ||
	    die "several app clients are named $GROWVRD_CLIENT_NAME in pool $1"
	printf '%s\n' "$ids"
}

# has_group POOL: the admin group exists.  (ListGroups, not GetGroup:
# cognito-local answers GetGroup with a 500 while a pool has no group.)
has_group() {
	local names
	names=$(aws_ro cognito-idp list-groups --user-pool-id "$1" \
	    --query "Groups[?GroupName=='$GROWVRD_ADMIN_GROUP'].GroupName" \
	    --output text) ||
	    { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "aws cognito-idp list-groups failed"; }
	[ -n "$names" ] && [ "$names" != None ]
}

# table_defs: "name hash-key [range-key]" of the three tables, as the seed.
table_defs() {
	echo "$PLANTS_TABLE id"
	echo "$USERS_TABLE email"
	echo "$SUBSCRIPTIONS_TABLE user_id subscription_id"
}

# summary VERB: the totals line; exit status 1 when a step failed.
summary() {
	local changes=$((N_CREATED + N_UPDATED + N_DELETED))
	say "summary: $N_CREATED created, $N_UPDATED updated, $N_DELETED deleted, $N_UNCHANGED unchanged, $N_SKIPPED skipped, $N_KEPT kept, $N_DRIFT drifted, $N_FAILED failed"
	if [ "$N_FAILED" -gt 0 ]; then
		say "some steps failed; see above"
		return 1
	fi
	if [ "$changes" -eq 0 ] && [ "$N_KEPT" -gt 0 ]; then
		say "no changes: $N_KEPT step(s) kept as they were"
	elif [ "$changes" -eq 0 ]; then
		say "no changes: everything was already $1"
	elif [ "$DRY_RUN" = 1 ]; then
		say "dry run: $changes change(s) would be made"
	fi
	return 0
}
