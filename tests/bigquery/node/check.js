// Drives Google's official BigQuery Node client (@google-cloud/bigquery, pinned by
// package-lock.json) against the local BigQuery server (tests/bigquery/fake_bigquery_server),
// to prove that server speaks the REST format the real client expects: jobs.query with
// jobComplete false, jobs.getQueryResults polling and pageToken pages, the value encodings of
// every type (timestamps as int64 microseconds, which this client asks for; the float-seconds
// default is what wsync reads, tests/bigquery/bigquery_connector_test.cc), and Google's error
// body. The access token comes from the server's token endpoint
// by the service-account JWT-bearer grant (signed here with the key file's RS256 key, as
// google-auth-library does for Google's endpoint, whose URL it does not let a caller change);
// the client sends it as its Bearer token. Nothing leaves 127.0.0.1.
//
// Usage: node check.js DIR   (DIR holds the server's `url` and `key.json`)
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const {BigQuery} = require('@google-cloud/bigquery');
const {OAuth2Client} = require('google-auth-library');

function b64url(data) {
  return Buffer.from(data).toString('base64url');
}

async function accessToken(base, key) {
  const now = Math.floor(Date.now() / 1000);
  const tokenUrl = `${base}/token`;
  const header = {alg: 'RS256', typ: 'JWT', kid: key.private_key_id};
  const claims = {
    iss: key.client_email,
    scope: 'https://www.googleapis.com/auth/bigquery',
    aud: tokenUrl,
    iat: now,
    exp: now + 3600,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = crypto.sign('RSA-SHA256', Buffer.from(input), key.private_key);
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: {'Content-Type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: `${input}.${b64url(signature)}`,
    }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const body = await response.json();
  assert.equal(body.token_type, 'Bearer');
  assert.ok(body.expires_in > 0);
  return body.access_token;
}

// The client's typed values as plain JSON.
function plain(value) {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return `bytes:${value.toString('hex')}`;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object') {
    if (value.constructor && value.constructor.name === 'Big') return `big:${value.toFixed()}`;
    if ('value' in value && Object.keys(value).length === 1) return value.value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

async function main() {
  const dir = process.argv[2];
  const base = fs.readFileSync(path.join(dir, 'url'), 'utf8').trim();
  const key = JSON.parse(fs.readFileSync(path.join(dir, 'key.json'), 'utf8'));

  const authClient = new OAuth2Client();
  authClient.setCredentials({
    access_token: await accessToken(base, key),
    expiry_date: Date.now() + 3600 * 1000,
  });
  const bigquery = new BigQuery({
    projectId: key.project_id,
    apiEndpoint: base,
    authClient,
    autoRetry: false,
  });

  // Five rows in pages of two, after one jobComplete:false answer: the client polls and pages.
  const [rows] = await bigquery.query({
    query: 'SELECT * FROM `acme-analytics.analytics.people` ORDER BY id',
    location: 'US',
  });
  assert.deepEqual(rows.map(plain), [
    {
      id: 1, name: 'Ada', score: 1.5, balance: 'big:123456789012345678901234567890.125',
      active: true, raw: 'bytes:deadbeef', born: '1815-12-10',
      seen_at: '2024-05-01T12:00:00.123456000Z', local_at: '2024-05-01T12:00:00',
      alarm: '13:45:30.250000', doc: '{"k":[1,2]}', tags: ['math', 'poetry'],
      address: {city: 'London', zip: 12345},
    },
    {
      id: 2, name: 'Grace', score: -2.25, balance: 'big:0.5', active: false, raw: 'bytes:00',
      born: '1906-12-09', seen_at: '1970-01-01T00:00:00.000Z', local_at: null, alarm: null,
      doc: null, tags: [], address: null,
    },
    {
      id: 3, name: null, score: null, balance: null, active: null, raw: null, born: null,
      seen_at: null, local_at: null, alarm: null, doc: null, tags: [], address: null,
    },
    {
      id: 4, name: 'Linus', score: 0, balance: 'big:-7', active: true, raw: 'bytes:',
      born: '1969-12-28', seen_at: '1970-01-01T00:00:00.000001000Z',
      local_at: '2000-01-01T00:00:00.500000', alarm: '00:00:00', doc: '[]', tags: ['a'],
      address: {city: null, zip: 0},
    },
    {
      id: 5, name: 'Barbara', score: 1e10, balance: 'big:1', active: false, raw: 'bytes:41',
      born: '1939-11-03', seen_at: '2262-04-11T23:47:16.854775000Z',
      local_at: '9999-12-31T23:59:59.999999', alarm: '23:59:59.999999', doc: '"x"',
      tags: ['b', 'c', 'd'], address: {city: 'Los Angeles', zip: 90001},
    },
  ]);

  // Google's error body reaches the client as an ApiError with the reason.
  await assert.rejects(
      bigquery.query({query: 'SELECT id FROMM `analytics.people`', location: 'US'}),
      (err) => {
        assert.equal(err.code, 400);
        assert.equal(err.errors[0].reason, 'invalidQuery');
        assert.match(err.message, /^Syntax error: Unexpected identifier/);
        return true;
      });
  await assert.rejects(
      bigquery.query({query: 'SELECT 1 FROM `analytics.missing`', location: 'US'}),
      (err) => {
        assert.equal(err.code, 404);
        assert.equal(err.errors[0].reason, 'notFound');
        return true;
      });
  console.log('node client: 3 passed, 0 failed');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
