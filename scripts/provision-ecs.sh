# scripts/provision-ecs.sh - the ECS part of scripts/provision (--ecs) and
# scripts/cleanup, sourced by scripts/provision-ops.sh: the log group the
# awslogs driver writes to, the task role (the workers' policy,
# conf/iam-policy.json.in), the execution role (pull the image, write the
# log group, read the client secret) and the task definition from
# conf/ecs-task-definition.json.in, registered again only when it differs
# from the latest revision.  The service itself (subnets, security
# groups, the target group) is the operator's: docs/operations.md.
#
# Settings: GROWVRD_IMAGE (required with --ecs: the image `make image`
# built, pushed to a registry ECS can pull from, e.g. ECR)
#   GROWVRD_ECS_FAMILY=growvrd  GROWVRD_ECS_LOG_GROUP=/growvrd/ecs
#   GROWVRD_TASK_ROLE=growvrd-task  GROWVRD_EXECUTION_ROLE=growvrd-task-execution
#   GROWVRD_TRUSTED_PROXIES=  the load balancer's subnets (CIDR, separated
#                       by spaces): the only peers whose X-Forwarded-For
#                       the container's nginx believes; none by default
#   GROWVRD_READY_NETS=  networks besides loopback that may ask /readyz
# shellcheck shell=bash

GROWVRD_IMAGE=${GROWVRD_IMAGE:-}
GROWVRD_ECS_FAMILY=${GROWVRD_ECS_FAMILY:-growvrd}
GROWVRD_ECS_LOG_GROUP=${GROWVRD_ECS_LOG_GROUP:-/growvrd/ecs}
GROWVRD_TASK_ROLE=${GROWVRD_TASK_ROLE:-growvrd-task}
GROWVRD_EXECUTION_ROLE=${GROWVRD_EXECUTION_ROLE:-growvrd-task-execution}
GROWVRD_TRUSTED_PROXIES=${GROWVRD_TRUSTED_PROXIES:-}
GROWVRD_READY_NETS=${GROWVRD_READY_NETS:-}
ECS_TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}'

# ops_role NAME POLICY_FILE DESCRIPTION: a role ECS tasks assume, with
# POLICY_FILE as its inline policy of the same name.
ops_role() {
	local role=$1 file=$2 desc=$3 current
	if probe iam get-role --role-name "$role" --query Role.Arn --output text >/dev/null; then
		step "IAM role $role" unchanged "trusted by ecs-tasks.amazonaws.com"
	else
		aws_rw iam create-role --role-name "$role" \
		    --assume-role-policy-document "$ECS_TRUST" --description "$desc" \
		    --tags Key=application,Value=growvrd --query Role.Arn --output text >/dev/null
		step "IAM role $role" "$(dry created)" "trusted by ecs-tasks.amazonaws.com"
	fi
	if current=$(probe iam get-role-policy --role-name "$role" \
	    --policy-name "$role" --query PolicyDocument --output json) &&
	    same_json "$current" "$(cat "$file")"; then
		step "IAM policy $role" unchanged
	else
		aws_rw iam put-role-policy --role-name "$role" --policy-name "$role" \
		    --policy-document "$(cat "$file")"
		step "IAM policy $role" "$(dry updated)"
	fi
}

# The execution role's policy: the log group, the secret, and the image
# when it lives in ECR.
ops_execution_policy() {
	IMAGE=$GROWVRD_IMAGE PARTITION=$PARTITION REGION=$AWS_DEFAULT_REGION \
	    ACCOUNT=$ACCOUNT GROUP=$GROWVRD_ECS_LOG_GROUP SECRET=$SECRET_ARN python3 - <<'PY'
import json, os, re
e = os.environ
st = [{"Sid": "TaskLogs", "Effect": "Allow",
       "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
       "Resource": "arn:%s:logs:%s:%s:log-group:%s:log-stream:*"
                   % (e["PARTITION"], e["REGION"], e["ACCOUNT"], e["GROUP"])},
      {"Sid": "TaskSecrets", "Effect": "Allow",
       "Action": ["secretsmanager:GetSecretValue"], "Resource": e["SECRET"]}]
m = re.match(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)", e["IMAGE"])
if m:
    st.append({"Sid": "PullImage", "Effect": "Allow",
               "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
               "Resource": "arn:%s:ecr:%s:%s:repository/%s"
                           % (e["PARTITION"], m.group(2), m.group(1), m.group(3))})
    st.append({"Sid": "RegistryToken", "Effect": "Allow",
               "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"})
print(json.dumps({"Version": "2012-10-17", "Statement": st},
                 sort_keys=True, separators=(",", ":")))
PY
}

ops_task_definition() {
	FAMILY=$GROWVRD_ECS_FAMILY IMAGE=$GROWVRD_IMAGE REGION=$AWS_DEFAULT_REGION \
	    TASK_ROLE_ARN="arn:$PARTITION:iam::$ACCOUNT:role/$GROWVRD_TASK_ROLE" \
	    EXECUTION_ROLE_ARN="arn:$PARTITION:iam::$ACCOUNT:role/$GROWVRD_EXECUTION_ROLE" \
	    USER_POOL_ID=$POOL_ID CLIENT_ID=$CLIENT_ID SECRET_ARN=$SECRET_ARN \
	    PLANTS_TABLE=$PLANTS_TABLE USERS_TABLE=$USERS_TABLE \
	    SUBSCRIPTIONS_TABLE=$SUBSCRIPTIONS_TABLE LOG_GROUP=$GROWVRD_ECS_LOG_GROUP \
	    TRUSTED_PROXIES=$(words "$GROWVRD_TRUSTED_PROXIES") \
	    READY_NETS=$(words "$GROWVRD_READY_NETS") \
	    python3 - "$ROOT/conf/ecs-task-definition.json.in" <<'PY'
import json, os, re, sys
text = open(sys.argv[1]).read()
text = re.sub(r"@([A-Z_]+)@", lambda m: os.environ[m.group(1)], text)
print(json.dumps(json.loads(text), separators=(",", ":")))
PY
}

# words LIST: the words of LIST separated by one space.
words() {
	local w out=""
	for w in $1; do out+="${out:+ }$w"; done
	printf '%s' "$out"
}

ensure_ecs() {
	local current v
	[ -n "$GROWVRD_IMAGE" ] || die "--ecs needs GROWVRD_IMAGE (the image make image built, in a registry ECS pulls from)"
	for v in $GROWVRD_TRUSTED_PROXIES; do
		[[ $v =~ ^[0-9A-Fa-f.:/]+$ ]] ||
		    die "GROWVRD_TRUSTED_PROXIES: $v is not an address or CIDR"
	done
	for v in $GROWVRD_READY_NETS; do
		[[ $v =~ ^[0-9A-Fa-f.:/]+$ ]] ||
		    die "GROWVRD_READY_NETS: $v is not an address or CIDR"
	done
	ops_account
	ensure_log_group "$GROWVRD_ECS_LOG_GROUP"
	policy_json >"$WORK/task-policy.json"
	ops_role "$GROWVRD_TASK_ROLE" "$WORK/task-policy.json" "GrowVRD workers on ECS"
	ops_execution_policy >"$WORK/execution-policy.json"
	ops_role "$GROWVRD_EXECUTION_ROLE" "$WORK/execution-policy.json" \
	    "ECS: pull GrowVRD's image, write its logs, read its secret"
	ops_task_definition >"$WORK/task.json"
	current=$(aws_ro ecs describe-task-definition --task-definition "$GROWVRD_ECS_FAMILY" \
	    --query taskDefinition --output json) || current=null
	if ops_json_within "$WORK/task.json" "$current"; then
		step "ECS task definition $GROWVRD_ECS_FAMILY" unchanged "latest revision"
		return 0
	fi
	aws_rw ecs register-task-definition --cli-input-json "$(cat "$WORK/task.json")" \
	    --query taskDefinition.taskDefinitionArn --output text >/dev/null
	step "ECS task definition $GROWVRD_ECS_FAMILY" "$(dry created)" "a new revision, image $GROWVRD_IMAGE"
}

remove_ecs() {
	local arns a role
	arns=$(aws_ro ecs list-task-definitions --family-prefix "$GROWVRD_ECS_FAMILY" \
	    --status ACTIVE --query 'taskDefinitionArns[]' --output text) || arns=""
	if [ -z "$arns" ] || [ "$arns" = None ]; then
		step "ECS task definition $GROWVRD_ECS_FAMILY" absent
	elif confirm "deregister the task definition $GROWVRD_ECS_FAMILY (every revision)?"; then
		for a in $arns; do
			aws_rw ecs deregister-task-definition --task-definition "$a" \
			    --query taskDefinition.status --output text >/dev/null
		done
		step "ECS task definition $GROWVRD_ECS_FAMILY" "$(deleted)"
	else
		kept "ECS task definition $GROWVRD_ECS_FAMILY"
	fi
	for role in "$GROWVRD_TASK_ROLE" "$GROWVRD_EXECUTION_ROLE"; do
		if ! probe iam get-role --role-name "$role" --query Role.Arn --output text >/dev/null; then
			step "IAM role $role" absent
		elif confirm "delete the role $role?"; then
			aws_rw iam delete-role-policy --role-name "$role" --policy-name "$role"
			aws_rw iam delete-role --role-name "$role"
			step "IAM role $role" "$(deleted)"
		else
			kept "IAM role $role"
		fi
	done
	remove_log_group "$GROWVRD_ECS_LOG_GROUP"
}
