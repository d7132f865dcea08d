# scripts/provision-ops.sh - the operations parts of scripts/provision and
# scripts/cleanup (sourced by both, after aws-common.sh): alarms and their
# SNS topic (--alarm-email ADDRESS), CloudTrail and its bucket
# (--cloudtrail), the ECS task definition (--ecs, scripts/provision-ecs.sh).
# Like the rest: describe first, change only what is missing or differs,
# print every changing call (--dry-run prints and does not make them).
#
# Settings (environment, with defaults):
#   GROWVRD_ALARM_TOPIC=growvrd-alarms        SNS topic
#   GROWVRD_TARGET_GROUP=growvrd              the ALB's target group name
#   GROWVRD_ALARM_5XX_PERCENT=1  GROWVRD_ALARM_503_PERCENT=1
#   GROWVRD_ALARM_P99_MS=1000                 p99 latency, over 1 min
#   GROWVRD_TRAIL_NAME=growvrd
#   GROWVRD_TRAIL_BUCKET=growvrd-trail-<account>-<region>
#   GROWVRD_TRAIL_GLACIER_DAYS=90  GROWVRD_TRAIL_EXPIRE_DAYS=365
# shellcheck shell=bash

OPS_ALARM_EMAIL=${OPS_ALARM_EMAIL:-}
OPS_CLOUDTRAIL=${OPS_CLOUDTRAIL:-0}
OPS_ECS=${OPS_ECS:-0}
GROWVRD_ALARM_TOPIC=${GROWVRD_ALARM_TOPIC:-growvrd-alarms}
GROWVRD_TARGET_GROUP=${GROWVRD_TARGET_GROUP:-growvrd}
GROWVRD_ALARM_5XX_PERCENT=${GROWVRD_ALARM_5XX_PERCENT:-1}
GROWVRD_ALARM_503_PERCENT=${GROWVRD_ALARM_503_PERCENT:-1}
GROWVRD_ALARM_P99_MS=${GROWVRD_ALARM_P99_MS:-1000}
GROWVRD_TRAIL_NAME=${GROWVRD_TRAIL_NAME:-growvrd}
GROWVRD_TRAIL_BUCKET=${GROWVRD_TRAIL_BUCKET:-}
GROWVRD_TRAIL_GLACIER_DAYS=${GROWVRD_TRAIL_GLACIER_DAYS:-90}
GROWVRD_TRAIL_EXPIRE_DAYS=${GROWVRD_TRAIL_EXPIRE_DAYS:-365}
# The alarms provision makes, for cleanup to find.
OPS_ALARMS="growvrd-5xx-rate growvrd-503-rate growvrd-p99-latency growvrd-dynamodb-throttles growvrd-unhealthy-hosts"

# ops_json_within DESIRED_FILE ACTUAL_JSON: every member of the desired
# document is in the actual one with the same value (AWS adds defaults).
ops_json_within() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
def within(d, a):
    if isinstance(d, dict):
        return isinstance(a, dict) and all(k in a and within(v, a[k]) for k, v in d.items())
    if isinstance(d, list):
        return isinstance(a, list) and len(d) == len(a) and all(within(x, y) for x, y in zip(d, a))
    if isinstance(d, (int, float)) and not isinstance(d, bool):
        return isinstance(a, (int, float)) and float(d) == float(a)
    return d == a
try:
    actual = json.loads(sys.argv[2])
    if isinstance(actual, str):     # a bucket policy comes as a string
        actual = json.loads(actual)
except ValueError:
    sys.exit(1)
desired = json.load(open(sys.argv[1]))
desired.pop("Tags", None)
desired.pop("tags", None)     # ECS answers them apart
sys.exit(0 if within(desired, actual) else 1)
EOF
}

# ops_account: ACCOUNT and PARTITION of the caller (cleanup has no
# `account` of its own).
ops_account() {
	local arn
	[ -z "${ACCOUNT:-}" ] || return 0
	arn=$(aws_ro sts get-caller-identity --query Arn --output text) ||
	    { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "sts get-caller-identity failed (credentials?)"; }
	PARTITION=$(cut -d: -f2 <<<"$arn")
	ACCOUNT=$(cut -d: -f5 <<<"$arn")
}

# ------------------------------------------------------------------ alarms

ops_topic_arn() {
	echo "arn:$PARTITION:sns:$AWS_DEFAULT_REGION:$ACCOUNT:$GROWVRD_ALARM_TOPIC"
}

ensure_alarm_topic() {
	local arn have subs
	arn=$(ops_topic_arn)
	have=$(aws_ro sns list-topics --query "Topics[?TopicArn=='$arn'].TopicArn" \
	    --output text) || { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "sns list-topics failed"; }
	if [ -n "$have" ] && [ "$have" != None ]; then
		step "SNS topic $GROWVRD_ALARM_TOPIC" unchanged
	else
		aws_rw sns create-topic --name "$GROWVRD_ALARM_TOPIC" \
		    --tags Key=application,Value=growvrd --query TopicArn --output text >/dev/null
		step "SNS topic $GROWVRD_ALARM_TOPIC" "$(dry created)"
	fi
	subs=""
	[ -z "$have" ] || [ "$have" = None ] ||
	    subs=$(aws_ro sns list-subscriptions-by-topic --topic-arn "$arn" \
	    --query "Subscriptions[?Endpoint=='$OPS_ALARM_EMAIL'].SubscriptionArn" \
	    --output text) || { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "sns list-subscriptions-by-topic failed"; }
	if [ -n "$subs" ] && [ "$subs" != None ]; then
		step "SNS subscription $OPS_ALARM_EMAIL" unchanged "$subs"
		return 0
	fi
	aws_rw sns subscribe --topic-arn "$arn" --protocol email \
	    --notification-endpoint "$OPS_ALARM_EMAIL" --query SubscriptionArn --output text >/dev/null
	step "SNS subscription $OPS_ALARM_EMAIL" "$(dry created)" "the address must confirm the mail AWS sends"
}

# ops_alarm_docs DIR TG LB: one put-metric-alarm input per alarm in DIR
# (TG and LB empty: no unhealthy-hosts alarm).
ops_alarm_docs() {
	TOPIC=$(ops_topic_arn) TG=$2 LB=$3 \
	    TABLES="$PLANTS_TABLE $USERS_TABLE $SUBSCRIPTIONS_TABLE" \
	    P5XX=$GROWVRD_ALARM_5XX_PERCENT P503=$GROWVRD_ALARM_503_PERCENT \
	    P99=$GROWVRD_ALARM_P99_MS python3 - "$1" <<'EOF'
import json, os, sys
out, topic = sys.argv[1], os.environ["TOPIC"]
def common(name, desc, periods, to_alarm, threshold):
    return {"AlarmName": name, "AlarmDescription": desc,
            "ActionsEnabled": True, "AlarmActions": [topic],
            "OKActions": [topic], "EvaluationPeriods": periods,
            "DatapointsToAlarm": to_alarm, "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "Tags": [{"Key": "application", "Value": "growvrd"}]}
def stat(id_, ns, name, dims, period=60, stat="Sum"):
    return {"Id": id_, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": ns, "MetricName": name,
                   "Dimensions": [{"Name": k, "Value": v} for k, v in dims]},
        "Period": period, "Stat": stat}}
def rate(name, metric, pct):
    a = common(name, "%s of the requests answered %s, over 1 min, 3 of 5 min"
               % ("%s %%" % pct, metric), 5, 3, float(pct))
    a["Metrics"] = [stat("bad", "GrowVRD", metric, []),
                    stat("all", "GrowVRD", "Requests", []),
                    {"Id": "pct", "Label": metric + " %",
                     "Expression": "IF(all > 0, 100 * bad / all, 0)",
                     "ReturnData": True}]
    return a
alarms = [rate("growvrd-5xx-rate", "Status5xx", os.environ["P5XX"]),
          rate("growvrd-503-rate", "Status503", os.environ["P503"])]
p99 = common("growvrd-p99-latency", "p99 of the workers' latency above %s ms, 3 of 5 min"
             % os.environ["P99"], 5, 3, float(os.environ["P99"]))
p99.update({"Namespace": "GrowVRD", "MetricName": "Latency", "Dimensions": [],
            "ExtendedStatistic": "p99", "Period": 60, "Unit": "Milliseconds"})
alarms.append(p99)
thr = common("growvrd-dynamodb-throttles", "DynamoDB throttled reads or writes of the tables, or calls that stayed throttled after retries, 2 of 5 min",
             5, 2, 0.0)
m = []
for i, t in enumerate(os.environ["TABLES"].split()):
    m.append(stat("r%d" % i, "AWS/DynamoDB", "ReadThrottleEvents", [("TableName", t)]))
    m.append(stat("w%d" % i, "AWS/DynamoDB", "WriteThrottleEvents", [("TableName", t)]))
m.append(stat("app", "GrowVRD", "DependencyThrottles", [("Dependency", "DynamoDB")]))
m.append({"Id": "throttles", "Label": "DynamoDB throttles",
          "Expression": "SUM(METRICS())", "ReturnData": True})
thr["Metrics"] = m
alarms.append(thr)
if os.environ["TG"]:
    u = common("growvrd-unhealthy-hosts", "the load balancer sees an unhealthy GrowVRD instance, 2 of 3 min",
               3, 2, 0.0)
    u.update({"Namespace": "AWS/ApplicationELB", "MetricName": "UnHealthyHostCount",
              "Dimensions": [{"Name": "TargetGroup", "Value": os.environ["TG"]},
                             {"Name": "LoadBalancer", "Value": os.environ["LB"]}],
              "Statistic": "Maximum", "Period": 60})
    alarms.append(u)
for a in alarms:
    json.dump(a, open(os.path.join(out, a["AlarmName"] + ".json"), "w"),
              separators=(",", ":"))
EOF
}

ensure_alarms() {
	local tg="" lb="" arns f name current
	ops_account
	ensure_alarm_topic
	if arns=$(aws_ro elbv2 describe-target-groups --names "$GROWVRD_TARGET_GROUP" \
	    --query 'TargetGroups[0].[TargetGroupArn, LoadBalancerArns[0]]' --output text) &&
	    [ -n "$arns" ]; then
		read -r tg lb <<<"$arns"
		tg=${tg##*:}                    # targetgroup/NAME/ID
		lb=${lb#*:loadbalancer/}        # app/NAME/ID
		[ -n "$lb" ] && [ "$lb" != None ] || tg=""
	fi
	mkdir -p "$WORK/alarms"
	ops_alarm_docs "$WORK/alarms" "$tg" "$lb"
	[ -n "$tg" ] || step "alarm growvrd-unhealthy-hosts" skipped \
	    "no target group $GROWVRD_TARGET_GROUP attached to a load balancer (GROWVRD_TARGET_GROUP)"
	for f in "$WORK"/alarms/*.json; do
		name=$(basename "$f" .json)
		current=$(aws_ro cloudwatch describe-alarms --alarm-names "$name" \
		    --query 'MetricAlarms[0]' --output json) ||
		    { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "cloudwatch describe-alarms failed"; }
		if ops_json_within "$f" "$current"; then
			step "alarm $name" unchanged
			continue
		fi
		# the document itself on the command line: the dry run shows it
		aws_rw cloudwatch put-metric-alarm --cli-input-json "$(cat "$f")"
		if [ "$current" = null ] || [ -z "$current" ]; then
			step "alarm $name" "$(dry created)"
		else
			step "alarm $name" "$(dry updated)"
		fi
	done
}

remove_alarms() {
	local have name arn subs
	# shellcheck disable=SC2086  # one argument per alarm name
	have=$(aws_ro cloudwatch describe-alarms --alarm-names $OPS_ALARMS \
	    --query 'MetricAlarms[].AlarmName' --output text) ||
	    { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "cloudwatch describe-alarms failed"; }
	for name in $OPS_ALARMS; do
		if [[ " $have " != *[[:space:]]"$name"[[:space:]]* ]]; then
			step "alarm $name" absent
		elif confirm "delete the alarm $name?"; then
			aws_rw cloudwatch delete-alarms --alarm-names "$name"
			step "alarm $name" "$(deleted)"
		else
			kept "alarm $name"
		fi
	done
	arn=$(ops_topic_arn)
	subs=$(aws_ro sns list-topics --query "Topics[?TopicArn=='$arn'].TopicArn" \
	    --output text) || { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "sns list-topics failed"; }
	if [ -z "$subs" ] || [ "$subs" = None ]; then
		step "SNS topic $GROWVRD_ALARM_TOPIC" absent
	elif confirm "delete the SNS topic $GROWVRD_ALARM_TOPIC and its subscriptions?"; then
		aws_rw sns delete-topic --topic-arn "$arn"
		step "SNS topic $GROWVRD_ALARM_TOPIC" "$(deleted)"
	else
		kept "SNS topic $GROWVRD_ALARM_TOPIC"
	fi
}

# -------------------------------------------------------------- CloudTrail

ops_trail_bucket() {
	echo "${GROWVRD_TRAIL_BUCKET:-growvrd-trail-$ACCOUNT-$AWS_DEFAULT_REGION}"
}

# ops_bucket_docs DIR BUCKET: the bucket's policy, public access block,
# encryption and lifecycle as the s3api put-* calls take them.
ops_bucket_docs() {
	BUCKET=$2 PARTITION=$PARTITION ACCOUNT=$ACCOUNT REGION=$AWS_DEFAULT_REGION \
	    TRAIL=$GROWVRD_TRAIL_NAME GLACIER=$GROWVRD_TRAIL_GLACIER_DAYS \
	    EXPIRE=$GROWVRD_TRAIL_EXPIRE_DAYS python3 - "$1" <<'EOF'
import json, os, sys
e = os.environ
b = "arn:%s:s3:::%s" % (e["PARTITION"], e["BUCKET"])
trail = "arn:%s:cloudtrail:%s:%s:trail/%s" % (e["PARTITION"], e["REGION"], e["ACCOUNT"], e["TRAIL"])
policy = {"Version": "2012-10-17", "Statement": [
    {"Sid": "CloudTrailAclCheck", "Effect": "Allow",
     "Principal": {"Service": "cloudtrail.amazonaws.com"},
     "Action": "s3:GetBucketAcl", "Resource": b,
     "Condition": {"StringEquals": {"aws:SourceArn": trail}}},
    {"Sid": "CloudTrailWrite", "Effect": "Allow",
     "Principal": {"Service": "cloudtrail.amazonaws.com"},
     "Action": "s3:PutObject", "Resource": "%s/AWSLogs/%s/*" % (b, e["ACCOUNT"]),
     "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                    "aws:SourceArn": trail}}},
    {"Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": [b, b + "/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
docs = {
    "policy": policy,
    "public-access-block": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                            "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
    "encryption": {"Rules": [{"ApplyServerSideEncryptionByDefault":
                              {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
    "lifecycle": {"Rules": [{"ID": "growvrd-trail", "Status": "Enabled",
                             "Filter": {"Prefix": ""},
                             "Transitions": [{"Days": int(e["GLACIER"]), "StorageClass": "GLACIER_IR"}],
                             "Expiration": {"Days": int(e["EXPIRE"])},
                             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}]},
}
for k, v in docs.items():
    json.dump(v, open(os.path.join(sys.argv[1], k + ".json"), "w"),
              separators=(",", ":"))
EOF
}

# ops_bucket_setting NAME GET-CMD PUT-ARGS...: the bucket setting from
# $WORK/trail/NAME.json, put when the bucket's differs.
ops_bucket_setting() {
	local name=$1 get=$2 query=$3 bucket current
	shift 3
	bucket=$(ops_trail_bucket)
	current=""
	[ "$OPS_BUCKET_NEW" = 1 ] ||
	    current=$(aws_ro s3api "$get" --bucket "$bucket" --query "$query" --output json) ||
	    current=""
	if [ -n "$current" ] && ops_json_within "$WORK/trail/$name.json" "$current"; then
		step "trail bucket $name" unchanged
		return 0
	fi
	aws_rw s3api "$@" --bucket "$bucket"
	step "trail bucket $name" "$(dry "$([ -n "$current" ] && echo updated || echo created)")"
}

ensure_cloudtrail() {
	local bucket have status
	ops_account
	bucket=$(ops_trail_bucket)
	mkdir -p "$WORK/trail"
	ops_bucket_docs "$WORK/trail" "$bucket"
	have=$(aws_ro s3api list-buckets --query "Buckets[?Name=='$bucket'].Name" --output text) ||
	    { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "s3api list-buckets failed"; }
	OPS_BUCKET_NEW=0
	if [ -n "$have" ] && [ "$have" != None ]; then
		step "trail bucket $bucket" unchanged
	else
		OPS_BUCKET_NEW=1
		if [ "$AWS_DEFAULT_REGION" = us-east-1 ]; then
			aws_rw s3api create-bucket --bucket "$bucket" --object-ownership BucketOwnerEnforced
		else
			aws_rw s3api create-bucket --bucket "$bucket" --object-ownership BucketOwnerEnforced \
			    --create-bucket-configuration "LocationConstraint=$AWS_DEFAULT_REGION"
		fi
		step "trail bucket $bucket" "$(dry created)"
	fi
	ops_bucket_setting public-access-block get-public-access-block \
	    PublicAccessBlockConfiguration put-public-access-block \
	    --public-access-block-configuration "$(cat "$WORK/trail/public-access-block.json")"
	ops_bucket_setting encryption get-bucket-encryption \
	    ServerSideEncryptionConfiguration put-bucket-encryption \
	    --server-side-encryption-configuration "$(cat "$WORK/trail/encryption.json")"
	ops_bucket_setting lifecycle get-bucket-lifecycle-configuration \
	    '{Rules: Rules}' put-bucket-lifecycle-configuration \
	    --lifecycle-configuration "$(cat "$WORK/trail/lifecycle.json")"
	ops_bucket_setting policy get-bucket-policy 'Policy' put-bucket-policy \
	    --policy "$(cat "$WORK/trail/policy.json")"
	have=$(aws_ro cloudtrail describe-trails --trail-name-list "$GROWVRD_TRAIL_NAME" \
	    --query 'trailList[0].S3BucketName' --output text) ||
	    { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "cloudtrail describe-trails failed"; }
	if [ "$have" = "$bucket" ]; then
		step "trail $GROWVRD_TRAIL_NAME" unchanged "to s3://$bucket"
	elif [ -n "$have" ] && [ "$have" != None ]; then
		aws_rw cloudtrail update-trail --name "$GROWVRD_TRAIL_NAME" --s3-bucket-name "$bucket"
		step "trail $GROWVRD_TRAIL_NAME" "$(dry updated)" "to s3://$bucket"
	else
		aws_rw cloudtrail create-trail --name "$GROWVRD_TRAIL_NAME" \
		    --s3-bucket-name "$bucket" --is-multi-region-trail \
		    --include-global-service-events --enable-log-file-validation \
		    --tags-list Key=application,Value=growvrd
		step "trail $GROWVRD_TRAIL_NAME" "$(dry created)" "all regions, log file validation, to s3://$bucket"
	fi
	status=False
	[ -z "$have" ] || [ "$have" = None ] ||
	    status=$(aws_ro cloudtrail get-trail-status --name "$GROWVRD_TRAIL_NAME" \
	    --query IsLogging --output text) || status=False
	if [ "$status" = True ]; then
		step "trail $GROWVRD_TRAIL_NAME logging" unchanged
	else
		aws_rw cloudtrail start-logging --name "$GROWVRD_TRAIL_NAME"
		step "trail $GROWVRD_TRAIL_NAME logging" "$(dry created)"
	fi
}

remove_cloudtrail() {
	local bucket have
	bucket=$(ops_trail_bucket)
	have=$(aws_ro cloudtrail describe-trails --trail-name-list "$GROWVRD_TRAIL_NAME" \
	    --query 'trailList[0].Name' --output text) ||
	    { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "cloudtrail describe-trails failed"; }
	if [ -z "$have" ] || [ "$have" = None ]; then
		step "trail $GROWVRD_TRAIL_NAME" absent
	elif confirm "delete the trail $GROWVRD_TRAIL_NAME (AWS API calls are no longer recorded)?"; then
		aws_rw cloudtrail delete-trail --name "$GROWVRD_TRAIL_NAME"
		step "trail $GROWVRD_TRAIL_NAME" "$(deleted)"
	else
		kept "trail $GROWVRD_TRAIL_NAME"
	fi
	have=$(aws_ro s3api list-buckets --query "Buckets[?Name=='$bucket'].Name" --output text) ||
	    { sed "s/^/$PROG:     /" "$WORK/err" >&2; die "s3api list-buckets failed"; }
	if [ -z "$have" ] || [ "$have" = None ]; then
		step "trail bucket $bucket" absent
	elif confirm "delete the bucket $bucket and every trail log in it?"; then
		aws_rw s3 rm "s3://$bucket" --recursive --quiet
		aws_rw s3api delete-bucket --bucket "$bucket"
		step "trail bucket $bucket" "$(deleted)"
	else
		kept "trail bucket $bucket"
	fi
}

# -------------------------------------------------------------------- main

# ops_provision: the optional parts asked for on the command line.
ops_provision() {
	local want=0
	[ -z "$OPS_ALARM_EMAIL" ] || want=1
	[ "$OPS_CLOUDTRAIL" = 0 ] || want=1
	[ "$OPS_ECS" = 0 ] || want=1
	[ "$want" = 1 ] || return 0
	if [ "$EMULATED" = 1 ]; then
		step "alarms, CloudTrail, ECS" skipped "emulators have no CloudWatch, SNS, CloudTrail, S3 or ECS"
		return 0
	fi
	if [ -n "$OPS_ALARM_EMAIL" ]; then
		[[ $OPS_ALARM_EMAIL =~ ^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$ ]] ||
		    die "--alarm-email $OPS_ALARM_EMAIL is not a mail address"
		ensure_alarms
	fi
	[ "$OPS_CLOUDTRAIL" = 0 ] || ensure_cloudtrail
	[ "$OPS_ECS" = 0 ] || ensure_ecs
}

# ops_cleanup: remove whatever of the optional parts exists.
ops_cleanup() {
	if [ "$EMULATED" = 1 ]; then
		step "alarms, CloudTrail, ECS" skipped "emulators have none"
		return 0
	fi
	ops_account
	remove_ecs
	remove_cloudtrail
	remove_alarms
}

# The ECS part lives in its own file.
# shellcheck source=scripts/provision-ecs.sh
. "$ROOT/scripts/provision-ecs.sh"
