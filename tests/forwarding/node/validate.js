// Validates forwarded bulk request bodies against mParticle's schemas in
// ../shared/fixtures/mparticle (path from the project root), with SPEC §11's allowances:
// identity types newer than the schema may appear in user_identities. Usage:
//   node validate.js BODIES_FILE   (one bulk body, a JSON array of batches, per line)
// Prints each failure and exits 1 when any body or batch does not validate.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

// ../shared beside the project root; a worktree elsewhere finds it in a directory above.
function findFixtures() {
  if (process.env.WSYNC_MPARTICLE_SCHEMAS) return process.env.WSYNC_MPARTICLE_SCHEMAS;
  let dir = path.resolve(__dirname, '..', '..', '..');
  for (;;) {
    const candidate = path.join(path.dirname(dir), 'shared', 'fixtures', 'mparticle');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error('no shared/fixtures/mparticle above the project');
    dir = path.dirname(dir);
  }
}
const fixtures = findFixtures();
const batchSchema = JSON.parse(
    fs.readFileSync(path.join(fixtures, 'mparticle.inbound.eventsapi.schema.json'), 'utf8'));
const bulkSchema = JSON.parse(
    fs.readFileSync(path.join(fixtures, 'mparticle.inbound.eventsapi.bulk.schema.json'), 'utf8'));

// SPEC §11: identity types newer than the schema.
const newer = ['mobile_number', 'phone_number_2', 'phone_number_3', 'other_id_5', 'other_id_6',
               'other_id_7', 'other_id_8', 'other_id_9', 'other_id_10'];
for (const name of newer) {
  batchSchema.properties.user_identities.properties[name] = {$ref: '#/definitions/String'};
}

const ajv = new Ajv({strict: false, allErrors: true});
addFormats(ajv);
ajv.addSchema(batchSchema);
const validateBulk = ajv.compile(bulkSchema);
const validateBatch = ajv.getSchema(batchSchema.$id);

const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.length > 0);
let failures = 0;
let batches = 0;
lines.forEach((line, i) => {
  const body = JSON.parse(line);
  if (!validateBulk(body)) {
    failures++;
    console.log(`body ${i + 1}: ${ajv.errorsText(validateBulk.errors)}`);
  }
  if (!Array.isArray(body) || body.length === 0 || body.length > 100 ||
      Buffer.byteLength(line) > 256 * 1024) {
    failures++;
    console.log(`body ${i + 1}: not an array of 1..100 batches within 256 KB`);
    return;
  }
  for (const batch of body) {
    batches++;
    if (!validateBatch(batch)) {
      failures++;
      console.log(`body ${i + 1}, mpid ${batch.mpid}: ${ajv.errorsText(validateBatch.errors)}`);
    }
  }
});
console.log(`${lines.length} bodies, ${batches} batches, ${failures} failures`);
process.exit(failures === 0 && lines.length > 0 ? 0 : 1);
