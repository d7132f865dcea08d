# scripts/stripe-provision.sh - the payments section of scripts/provision
# (sourced by it after scripts/aws-common.sh; issue 14).
#
# Settings (environment):
#   STRIPE_SECRET_KEY   Stripe's secret key; without it payments stay off
#                       (API 1.0) and this section only enables the
#                       Subscriptions table's TTL
#   STRIPE_API_BASE     another API origin (the local stand-in)
#   GROWVRD_PUBLIC_URL  the service's public origin: the webhook endpoint
#                       is <it>/api/v1/webhooks/stripe
#   GROWVRD_STRIPE_KEY_SECRET_NAME=growvrd/stripe-secret-key
#   GROWVRD_STRIPE_WEBHOOK_SECRET_NAME=growvrd/stripe-webhook-secret
# Steps: the Subscriptions table's TTL on expires_at (processed webhook
# events and Idempotency-Key records expire); the products, prices and
# webhook endpoint (scripts/stripe-setup.py); the two keys in Secrets
# Manager under the prefix of GROWVRD_SECRET_NAME, so the workers' policy
# covers them with one pattern (POLICY_SECRET_ARN); the env file's lines.
# shellcheck shell=bash

GROWVRD_STRIPE_KEY_SECRET_NAME=${GROWVRD_STRIPE_KEY_SECRET_NAME:-growvrd/stripe-secret-key}
GROWVRD_STRIPE_WEBHOOK_SECRET_NAME=${GROWVRD_STRIPE_WEBHOOK_SECRET_NAME:-growvrd/stripe-webhook-secret}
GROWVRD_PUBLIC_URL=${GROWVRD_PUBLIC_URL:-}
STRIPE_KEY_ARN="" STRIPE_WHSEC_ARN="" STRIPE_WHSEC="" POLICY_SECRET_ARN=""

# The TTL that ends processed webhook events and Idempotency-Key records
# (scripts/provision's ensure_ttl, as for Plants).
ensure_subscriptions_ttl() {
	ensure_ttl "$SUBSCRIPTIONS_TABLE"
}

# stripe_secret NAME VALUE: VALUE in Secrets Manager as NAME; prints the ARN.
stripe_secret() {
	local name=$1 arn current
	(umask 077 && printf '%s' "$2" >"$WORK/stripe-secret")
	if arn=$(probe secretsmanager describe-secret --secret-id "$name" \
	    --query ARN --output text); then
		current=$(aws_ro secretsmanager get-secret-value --secret-id \
		    "$name" --query SecretString --output text) || current=""
		if [ "$current" = "$2" ]; then
			step "secret $name" unchanged "$arn" >&2
		else
			aws_rw secretsmanager put-secret-value --secret-id "$name" \
			    --secret-string "file://$WORK/stripe-secret" \
			    --query VersionId --output text >/dev/null
			step "secret $name" "$(dry updated)" >&2
		fi
	elif [ "$DRY_RUN" = 1 ]; then
		step "secret $name" "would create" >&2
		arn="arn:$PARTITION:secretsmanager:$AWS_DEFAULT_REGION:${ACCOUNT:-<account>}:secret:$name-*"
	else
		arn=$(aws_rw secretsmanager create-secret --name "$name" \
		    --description "GrowVRD: Stripe" \
		    --secret-string "file://$WORK/stripe-secret" \
		    --tags Key=application,Value=growvrd --query ARN --output text)
		step "secret $name" created "$arn" >&2
	fi
	rm -f "$WORK/stripe-secret"
	current=""
	printf '%s\n' "$arn"
}

ensure_stripe() {
	local tag what result note args=()
	ensure_subscriptions_ttl
	if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
		step "stripe" skipped "no STRIPE_SECRET_KEY: payments stay off"
		return 0
	fi
	[ -n "$GROWVRD_PUBLIC_URL" ] ||
	    die "STRIPE_SECRET_KEY needs GROWVRD_PUBLIC_URL (the webhook's origin)"
	[ "$DRY_RUN" = 0 ] || args+=(--dry-run)
	python3 "$ROOT/scripts/stripe-setup.py" --plans "$ROOT/conf/plans.json" \
	    --webhook-url "${GROWVRD_PUBLIC_URL%/}/api/v1/webhooks/stripe" \
	    --secret-out "$WORK/whsec" "${args[@]}" >"$WORK/stripe.out" ||
	    { cat "$WORK/stripe.out"; die "stripe set-up failed"; }
	while IFS=$'\t' read -r tag what result note; do
		[ "$tag" = step ] && step "$what" "$result" "$note"
	done <"$WORK/stripe.out"
	# Stripe shows an endpoint's secret once: a new one, or the kept one.
	if [ -s "$WORK/whsec" ]; then
		STRIPE_WHSEC=$(cat "$WORK/whsec")
		rm -f "$WORK/whsec"
	elif [ "$EMULATED" = 1 ]; then
		STRIPE_WHSEC=$(env_value "$GROWVRD_ENV_OUT" STRIPE_WEBHOOK_SECRET)
	fi
	if [ "$EMULATED" = 1 ]; then
		step "stripe secrets" skipped "emulators: the env file carries the keys"
		return 0
	fi
	STRIPE_KEY_ARN=$(stripe_secret "$GROWVRD_STRIPE_KEY_SECRET_NAME" \
	    "$STRIPE_SECRET_KEY")
	if [ -n "$STRIPE_WHSEC" ]; then
		STRIPE_WHSEC_ARN=$(stripe_secret \
		    "$GROWVRD_STRIPE_WEBHOOK_SECRET_NAME" "$STRIPE_WHSEC")
	else
		STRIPE_WHSEC_ARN=$(probe secretsmanager describe-secret \
		    --secret-id "$GROWVRD_STRIPE_WEBHOOK_SECRET_NAME" --query ARN \
		    --output text) || step "secret $GROWVRD_STRIPE_WEBHOOK_SECRET_NAME" \
		    failed "the endpoint exists but its secret is nowhere: roll it in the Dashboard and store it"
	fi
	STRIPE_WHSEC=""
	# One pattern for every secret of ours (growvrd/...).
	POLICY_SECRET_ARN="arn:$PARTITION:secretsmanager:$AWS_DEFAULT_REGION:${ACCOUNT:-<account>}:secret:${GROWVRD_SECRET_NAME%%/*}/*"
}

# stripe_env_lines: the payments lines of the env file.
stripe_env_lines() {
	[ -z "$GROWVRD_PUBLIC_URL" ] || echo "GROWVRD_PUBLIC_URL=$GROWVRD_PUBLIC_URL"
	[ -n "${STRIPE_SECRET_KEY:-}" ] || return 0
	if [ "$EMULATED" = 1 ]; then
		echo "STRIPE_SECRET_KEY=$STRIPE_SECRET_KEY"
		echo "STRIPE_WEBHOOK_SECRET=$STRIPE_WHSEC"
	else
		echo "STRIPE_SECRET_KEY_ARN=$STRIPE_KEY_ARN"
		echo "STRIPE_WEBHOOK_SECRET_ARN=$STRIPE_WHSEC_ARN"
	fi
	[ -z "${STRIPE_API_BASE:-}" ] || echo "STRIPE_API_BASE=$STRIPE_API_BASE"
}
