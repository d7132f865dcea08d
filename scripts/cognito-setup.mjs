#!/usr/bin/env node
// scripts/cognito-setup.mjs - provision cognito-local for a local or test
// stack, idempotently: the "growvrd-local" user pool, its "growvrd-web"
// app client (with a secret), the "admin" group, one admin and one
// ordinary user.  Prints KEY=value lines for $STACK_DIR/local.env on
// stdout; diagnostics go to stderr.
//
// Usage: COGNITO_ENDPOINT=http://127.0.0.1:9229 node scripts/cognito-setup.mjs
//
// Speaks the Cognito JSON protocol with Node's fetch; no dependencies.
// cognito-local checks no SigV4 signature, so none is sent: this script is
// for the emulator only, never for a real user pool.

import { createHmac } from "node:crypto";

const endpoint = process.env.COGNITO_ENDPOINT;
if (!endpoint) {
	console.error("cognito-setup: COGNITO_ENDPOINT is not set");
	process.exit(2);
}

const POOL_NAME = "growvrd-local";
const CLIENT_NAME = "growvrd-web";
const ADMIN_GROUP = "admin";
// Fixed, local-only accounts; they exist in no deployed pool.
const USERS = [
	{ key: "ADMIN", email: "admin@growvrd.test", password: "Local-Admin-Pw1",
	  name: "Local Admin", admin: true },
	{ key: "USER", email: "user@growvrd.test", password: "Local-User-Pw1",
	  name: "Local User", admin: false },
];

class CognitoError extends Error {
	constructor(op, type, message) {
		super(`${op}: ${type}: ${message}`);
		this.type = type;
	}
}

async function call(op, body) {
	const res = await fetch(endpoint, {
		method: "POST",
		headers: {
			"Content-Type": "application/x-amz-json-1.1",
			"X-Amz-Target": `AWSCognitoIdentityProviderService.${op}`,
		},
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(10000),
	});
	const text = await res.text();
	let json = {};
	try {
		json = text ? JSON.parse(text) : {};
	} catch {
		throw new CognitoError(op, "BadResponse", text.slice(0, 200));
	}
	if (!res.ok) {
		// The error type is "__type" (sometimes "prefix#Type").
		const type = String(json.__type ?? json.code ?? res.status)
		    .split("#").pop();
		throw new CognitoError(op, type, json.message ?? text.slice(0, 200));
	}
	return json;
}

function secretHash(secret, username, clientId) {
	return createHmac("sha256", secret).update(username + clientId)
	    .digest("base64");
}

async function ensurePool() {
	const { UserPools = [] } = await call("ListUserPools", { MaxResults: 60 });
	const found = UserPools.find((p) => p.Name === POOL_NAME);
	if (found)
		return found.Id;
	const { UserPool } = await call("CreateUserPool", {
		PoolName: POOL_NAME,
		UsernameAttributes: ["email"],
		AutoVerifiedAttributes: ["email"],
		Policies: {
			PasswordPolicy: {
				MinimumLength: 8,
				RequireUppercase: true,
				RequireLowercase: true,
				RequireNumbers: true,
				RequireSymbols: true,
				TemporaryPasswordValidityDays: 7,
			},
		},
		Schema: [
			{ Name: "email", AttributeDataType: "String", Required: true,
			  Mutable: true },
			{ Name: "name", AttributeDataType: "String", Required: false,
			  Mutable: true },
		],
		AccountRecoverySetting: {
			RecoveryMechanisms: [{ Name: "verified_email", Priority: 1 }],
		},
	});
	console.error(`cognito-setup: created user pool ${UserPool.Id}`);
	return UserPool.Id;
}

async function ensureClient(poolId) {
	const { UserPoolClients = [] } = await call("ListUserPoolClients",
	    { UserPoolId: poolId, MaxResults: 60 });
	const found = UserPoolClients.find((c) => c.ClientName === CLIENT_NAME);
	if (found) {
		const { UserPoolClient } = await call("DescribeUserPoolClient",
		    { UserPoolId: poolId, ClientId: found.ClientId });
		if (UserPoolClient.ClientSecret)
			return UserPoolClient;
		// A client without a secret cannot be ours; make a new one.
		await call("DeleteUserPoolClient",
		    { UserPoolId: poolId, ClientId: found.ClientId });
	}
	const { UserPoolClient } = await call("CreateUserPoolClient", {
		UserPoolId: poolId,
		ClientName: CLIENT_NAME,
		GenerateSecret: true,
		ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH",
		    "ALLOW_REFRESH_TOKEN_AUTH"],
		AccessTokenValidity: 60,
		IdTokenValidity: 60,
		RefreshTokenValidity: 30,
		TokenValidityUnits: { AccessToken: "minutes", IdToken: "minutes",
		    RefreshToken: "days" },
		EnableTokenRevocation: true,
		PreventUserExistenceErrors: "ENABLED",
	});
	console.error(`cognito-setup: created app client ${UserPoolClient.ClientId}`);
	return UserPoolClient;
}

async function ensureGroup(poolId) {
	// ListGroups, not GetGroup: cognito-local 5.3 answers GetGroup with a
	// 500 while a pool has no group at all.
	const { Groups = [] } = await call("ListGroups", { UserPoolId: poolId });
	if (Groups.some((g) => g.GroupName === ADMIN_GROUP))
		return;
	await call("CreateGroup", { UserPoolId: poolId, GroupName: ADMIN_GROUP,
	    Description: "GrowVRD administrators" });
}

async function getUser(poolId, email) {
	try {
		return await call("AdminGetUser", { UserPoolId: poolId,
		    Username: email });
	} catch (e) {
		if (e instanceof CognitoError && e.type === "UserNotFoundException")
			return null;
		throw e;
	}
}

async function ensureUser(poolId, client, u) {
	let user = await getUser(poolId, u.email);
	if (!user) {
		await call("SignUp", {
			ClientId: client.ClientId,
			SecretHash: secretHash(client.ClientSecret, u.email,
			    client.ClientId),
			Username: u.email,
			Password: u.password,
			UserAttributes: [
				{ Name: "email", Value: u.email },
				{ Name: "name", Value: u.name },
			],
		});
		user = await getUser(poolId, u.email);
		console.error(`cognito-setup: signed up ${u.email}`);
	}
	if (user.UserStatus === "UNCONFIRMED")
		await call("AdminConfirmSignUp", { UserPoolId: poolId,
		    Username: u.email });
	const verified = (user.UserAttributes ?? []).some(
	    (a) => a.Name === "email_verified" && a.Value === "true");
	if (!verified)
		await call("AdminUpdateUserAttributes", { UserPoolId: poolId,
		    Username: u.email,
		    // cognito-local wants the email beside email_verified
		    UserAttributes: [{ Name: "email", Value: u.email },
		    { Name: "email_verified", Value: "true" }] });
	if (u.admin)
		await call("AdminAddUserToGroup", { UserPoolId: poolId,
		    Username: u.email, GroupName: ADMIN_GROUP });
}

async function main() {
	const poolId = await ensurePool();
	const client = await ensureClient(poolId);
	await ensureGroup(poolId);
	for (const u of USERS)
		await ensureUser(poolId, client, u);
	const out = [
		`COGNITO_USER_POOL_ID=${poolId}`,
		`COGNITO_CLIENT_ID=${client.ClientId}`,
		`COGNITO_CLIENT_SECRET=${client.ClientSecret}`,
	];
	for (const u of USERS) {
		out.push(`GROWVRD_${u.key}_EMAIL=${u.email}`);
		out.push(`GROWVRD_${u.key}_PASSWORD=${u.password}`);
	}
	process.stdout.write(out.join("\n") + "\n");
}

main().catch((e) => {
	console.error(`cognito-setup: ${e.message}`);
	process.exit(1);
});
