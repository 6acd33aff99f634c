'use strict';

// compat.js checks cqlsim against the DataStax Node.js driver with its
// default settings: protocol version negotiation, control connection,
// topology and schema metadata, paging, prepared statements, token-range
// queries and DDL. It prints one JSON summary on stdout and exits non-zero
// on any failure; cqlsim's TestNodeDriverCompat runs it and checks the
// summary against the cluster it started.
//
// Usage: node compat.js <port> <host> [<host>...]
//        node compat.js --tombstones <port> <host> [<host>...]
//
// With --tombstones it checks a cluster in cqlsim's cassandra tombstone mode
// instead (warning threshold 10, failure threshold 40): the client warning
// past the first, the ReadFailure past the second.

const cassandra = require('cassandra-driver');

const demoTable = 'SELECT * FROM ringscan_demo.events';
const fetchSize = 100;

function usage() {
  process.stderr.write('usage: node compat.js [--tombstones] <port> <host> [<host>...]\n');
  process.exit(2);
}

// typeName renders a driver type description as CQL type text.
function typeName(t) {
  return cassandra.types.getDataTypeNameByCode(t);
}

// check throws when cond is false, so a failure names what was wrong.
function check(cond, msg) {
  if (!cond) {
    throw new Error('check failed: ' + msg);
  }
}

// countEachRow reads the demo table with eachRow and automatic paging.
function countEachRow(client) {
  return new Promise((resolve, reject) => {
    let rows = 0;
    client.eachRow(demoTable, [], { fetchSize, autoPage: true, prepare: false },
      () => { rows++; },
      (err) => (err ? reject(err) : resolve(rows)));
  });
}

// countStream reads the demo table through client.stream.
function countStream(client) {
  return new Promise((resolve, reject) => {
    let rows = 0;
    client.stream(demoTable, [], { fetchSize, prepare: true })
      .on('readable', function onReadable() {
        while (this.read() !== null) {
          rows++;
        }
      })
      .on('end', () => resolve(rows))
      .on('error', reject);
  });
}

// pageManually reads the demo table a page at a time with pageState, and
// counts the rows of each partition.
async function pageManually(client) {
  let pageState;
  let pages = 0;
  let rows = 0;
  const partitions = new Map();
  do {
    const rs = await client.execute(demoTable, [], { fetchSize, pageState });
    check(rs.rows.length <= fetchSize, `page ${pages} has ${rs.rows.length} rows > fetchSize ${fetchSize}`);
    pages++;
    rows += rs.rows.length;
    for (const r of rs.rows) {
      const key = JSON.stringify([r.tenant, r.bucket]);
      partitions.set(key, (partitions.get(key) || 0) + 1);
    }
    pageState = rs.pageState;
  } while (pageState);
  return { pages, rows, partitions };
}

// scanTokenRanges reads the demo table range by range over the driver's
// token ranges (unwrapped, as CQL range queries do not wrap).
async function scanTokenRanges(client) {
  const q = 'SELECT tenant, bucket, seq FROM ringscan_demo.events ' +
    'WHERE token(tenant, bucket) > ? AND token(tenant, bucket) <= ?';
  const ranges = Array.from(client.metadata.getTokenRanges());
  let queries = 0;
  let rows = 0;
  for (const range of ranges) {
    for (const r of range.unwrap()) {
      queries++;
      await new Promise((resolve, reject) => {
        client.eachRow(q, [r.start.getValue(), r.end.getValue()], { prepare: true, fetchSize, autoPage: true },
          () => { rows++; },
          (err) => (err ? reject(err) : resolve()));
      });
    }
  }
  return { ranges: ranges.length, queries, rows };
}

// roundTrip creates a keyspace and table, writes rows with prepared
// statements and a batch, and reads them back.
async function roundTrip(client) {
  const ks = 'nodejs_compat';
  await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = ` +
    `{'class': 'NetworkTopologyStrategy', 'datacenter1': 3}`);
  await client.execute(`CREATE TABLE IF NOT EXISTS ${ks}.kv (id int, ck text, v text, n bigint, ` +
    'tags set<text>, PRIMARY KEY (id, ck)) WITH CLUSTERING ORDER BY (ck DESC)');
  const insert = `INSERT INTO ${ks}.kv (id, ck, v, n, tags) VALUES (?, ?, ?, ?, ?)`;
  let written = 0;
  for (let i = 0; i < 20; i++) {
    await client.execute(insert, [i % 4, 'c' + i, 'v' + i, cassandra.types.Long.fromNumber(i * 1000), ['a', 'b' + i]],
      { prepare: true });
    written++;
  }
  const batch = [];
  for (let i = 20; i < 25; i++) {
    batch.push({ query: insert, params: [7, 'c' + i, 'v' + i, cassandra.types.Long.fromNumber(i), null] });
  }
  await client.batch(batch, { prepare: true });
  written += batch.length;

  const one = await client.execute(`SELECT id, ck, v, n, tags FROM ${ks}.kv WHERE id = ? AND ck = ?`, [1, 'c5'],
    { prepare: true });
  check(one.rows.length === 1, `select one row: got ${one.rows.length} rows`);
  const row = one.rows[0];
  check(row.v === 'v5' && row.n.toNumber() === 5000, `row c5 is ${JSON.stringify(row)}`);
  check(Array.isArray(row.tags) && row.tags.join(',') === 'a,b5', `row c5 tags are ${JSON.stringify(row.tags)}`);

  const part = await client.execute(`SELECT ck FROM ${ks}.kv WHERE id = ?`, [7], { prepare: true });
  const order = part.rows.map((r) => r.ck);

  const all = await client.execute(`SELECT * FROM ${ks}.kv`, [], { fetchSize: 7 });
  let read = 0;
  await new Promise((resolve, reject) => {
    client.eachRow(`SELECT * FROM ${ks}.kv`, [], { fetchSize: 7, autoPage: true, prepare: true },
      () => { read++; }, (err) => (err ? reject(err) : resolve()));
  });

  const meta = await client.metadata.getTable(ks, 'kv');
  check(meta !== null, `no metadata for ${ks}.kv after CREATE TABLE`);
  const keyspace = client.metadata.keyspaces[ks];
  return {
    written,
    read,
    firstPage: all.rows.length,
    partitionOrder: order,
    keyspace: keyspace ? { strategy: keyspace.strategy, strategyOptions: keyspace.strategyOptions } : null,
    table: meta ? tableSummary(meta) : null,
  };
}

// dataModel reads the demo table with static columns and user-defined
// types, and writes and reads back statics, UDTs, counters, TTLs and write
// timestamps in a keyspace of its own.
async function dataModel(client) {
  const meta = await client.metadata.getTable('ringscan_demo', 'profiles');
  check(meta !== null, 'table ringscan_demo.profiles has no metadata');
  const udt = await client.metadata.getUdt('ringscan_demo', 'address');
  check(udt !== null, 'type ringscan_demo.address has no metadata');
  let rows = 0;
  let staticOnly = 0;
  let homes = 0;
  let places = 0;
  await new Promise((resolve, reject) => {
    client.eachRow('SELECT * FROM ringscan_demo.profiles', [], { fetchSize: 13, autoPage: true, prepare: true },
      (n, row) => {
        rows++;
        if (row.seen === null) {
          staticOnly++;
          check(typeof row.owner === 'string', `static-only row ${JSON.stringify(row)} has no owner`);
        }
        if (row.home !== null) {
          check(typeof row.home.street === 'string', `home ${JSON.stringify(row.home)} is not an address`);
          homes++;
        }
        if (Array.isArray(row.places) && row.places.length > 0) {
          check(typeof row.places[0].street === 'string', `places ${JSON.stringify(row.places)} are not addresses`);
          places++;
        }
      },
      (err) => (err ? reject(err) : resolve()));
  });

  const ks = 'nodejs_model';
  await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TYPE IF NOT EXISTS ${ks}.point (x int, y int, label text)`);
  await client.execute(`CREATE TABLE IF NOT EXISTS ${ks}.s (k int, c int, s text static, p frozen<point>, v text, PRIMARY KEY (k, c))`);
  await client.execute(`CREATE TABLE IF NOT EXISTS ${ks}.n (k int PRIMARY KEY, hits counter)`);
  await client.execute(`INSERT INTO ${ks}.s (k, c, s, p, v) VALUES (?, ?, ?, ?, ?) USING TTL 1000 AND TIMESTAMP 12345`,
    [1, 1, 'shared', { x: 1, y: 2, label: 'a' }, 'v1'], { prepare: true });
  await client.execute(`INSERT INTO ${ks}.s (k, c, v) VALUES (1, 2, 'v2')`);
  await client.execute(`INSERT INTO ${ks}.s (k, s) VALUES (2, 'only static')`);
  const srows = (await client.execute(`SELECT k, c, s, p, v FROM ${ks}.s`, [], { prepare: true })).rows;
  const one = srows.find((r) => r.k === 1 && r.c === 1);
  const two = srows.find((r) => r.k === 1 && r.c === 2);
  const only = srows.find((r) => r.k === 2);
  check(one && two && only, `statics rows ${JSON.stringify(srows)}`);
  const times = (await client.execute(`SELECT writetime(v), ttl(v) FROM ${ks}.s WHERE k = 1 AND c = 1`)).rows[0];
  for (let i = 0; i < 3; i++) {
    await client.execute(`UPDATE ${ks}.n SET hits = hits + ? WHERE k = ?`, [cassandra.types.Long.fromNumber(5), 7], { prepare: true });
  }
  const hits = (await client.execute(`SELECT hits FROM ${ks}.n WHERE k = 7`)).rows[0].hits;
  let insertRefused = '';
  try {
    await client.execute(`INSERT INTO ${ks}.n (k, hits) VALUES (1, 1)`);
  } catch (err) {
    insertRefused = err.message;
  }
  const smeta = await client.metadata.getTable(ks, 's');
  return {
    profiles: {
      rows, staticOnly, homes, places,
      static: meta.columns.filter((c) => c.isStatic).map((c) => c.name),
      homeType: typeName(meta.columnsByName.home.type),
      udtFields: udt.fields.map((f) => f.name + ' ' + typeName(f.type)),
    },
    statics: {
      sharedOnRow2: two.s,
      staticOnly: { c: only.c, s: only.s, v: only.v },
      point: one.p,
      staticColumns: smeta.columns.filter((c) => c.isStatic).map((c) => c.name),
    },
    writetime: times['writetime(v)'].toString(),
    ttl: times['ttl(v)'],
    hits: hits.toNumber(),
    insertRefused,
  };
}

// tombstones runs against a cluster in cqlsim's cassandra tombstone mode
// (warning threshold 10, failure threshold 40).
async function tombstones(client) {
  const ks = 'nodejs_tombstones';
  await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TABLE IF NOT EXISTS ${ks}.t (k int, c int, v text, PRIMARY KEY (k, c))`);
  for (let c = 0; c < 30; c++) {
    await client.execute(`INSERT INTO ${ks}.t (k, c, v) VALUES (0, ?, 'x')`, [c], { prepare: true });
  }
  for (let c = 5; c < 30; c++) {
    await client.execute(`DELETE FROM ${ks}.t WHERE k = 0 AND c = ?`, [c], { prepare: true });
  }
  const rs = await client.execute(`SELECT * FROM ${ks}.t`, [], { fetchSize: 100 });
  const out = { rows: rs.rows.length, warnings: rs.info.warnings || [] };
  for (let c = 30; c < 50; c++) {
    await client.execute(`DELETE FROM ${ks}.t WHERE k = 0 AND c = ?`, [c], { prepare: true });
  }
  try {
    await client.execute(`SELECT * FROM ${ks}.t`, [], { fetchSize: 100 });
    out.failure = null;
  } catch (err) {
    out.failure = { code: err.code, message: err.message };
  }
  return out;
}

function tableSummary(t) {
  return {
    name: t.name,
    columns: t.columns.map((c) => ({ name: c.name, type: typeName(c.type) })),
    partitionKeys: t.partitionKeys.map((c) => c.name),
    clusteringKeys: t.clusteringKeys.map((c) => c.name),
    clusteringOrder: t.clusteringOrder,
    isCompact: t.isCompact,
    compactionClass: t.compactionClass,
    gcGraceSeconds: t.gcGraceSeconds,
  };
}

async function main(summary) {
  let args = process.argv.slice(2);
  const tombstoneMode = args[0] === '--tombstones';
  if (tombstoneMode) {
    args = args.slice(1);
  }
  if (args.length < 2) {
    usage();
  }
  const port = Number(args[0]);
  const contactPoints = args.slice(1);
  const logs = summary.logs;
  const client = new cassandra.Client({
    contactPoints,
    localDataCenter: 'datacenter1',
    protocolOptions: { port },
  });
  client.on('log', (level, className, message) => {
    if (level === 'warning' || level === 'error') {
      logs.push({ level, className, message: String(message) });
    }
  });
  try {
    await client.connect();
    summary.protocolVersion = client.controlConnection.protocolVersion;
    if (tombstoneMode) {
      summary.tombstones = await tombstones(client);
      return;
    }

    summary.hosts = client.hosts.values().map((h) => ({
      address: h.address,
      datacenter: h.datacenter,
      rack: h.rack,
      hostId: h.hostId ? h.hostId.toString() : null,
      cassandraVersion: h.cassandraVersion,
      up: h.isUp(),
      tokens: h.tokens,
    })).sort((a, b) => a.address.localeCompare(b.address));

    summary.keyspaces = {};
    for (const [name, ks] of Object.entries(client.metadata.keyspaces)) {
      summary.keyspaces[name] = { strategy: ks.strategy, strategyOptions: ks.strategyOptions, virtual: !!ks.virtual };
    }
    const demoKs = client.metadata.keyspaces.ringscan_demo;
    check(demoKs !== undefined, 'keyspace ringscan_demo missing from client.metadata.keyspaces');
    summary.keyspace = { strategy: demoKs.strategy, strategyOptions: demoKs.strategyOptions };
    const table = await client.metadata.getTable('ringscan_demo', 'events');
    check(table !== null, 'table ringscan_demo.events has no metadata');
    summary.table = tableSummary(table);

    // The other system_schema and system_virtual_schema tables.
    const vt = await client.metadata.getTable('system_virtual_schema', 'tables');
    summary.otherMetadata = {
      udt: await client.metadata.getUdt('ringscan_demo', 'no_such_type'),
      functions: await client.metadata.getFunctions('ringscan_demo', 'no_such_function'),
      aggregates: await client.metadata.getAggregates('ringscan_demo', 'no_such_aggregate'),
      view: await client.metadata.getMaterializedView('ringscan_demo', 'no_such_view'),
      virtualTable: vt ? { virtual: !!vt.virtual, columns: vt.columns.map((c) => c.name) } : null,
    };

    summary.eachRowRows = await countEachRow(client);
    summary.streamRows = await countStream(client);
    const paged = await pageManually(client);
    summary.pagedRows = paged.rows;
    summary.pages = paged.pages;
    summary.partitions = paged.partitions.size;

    // A prepared single-partition query returns what the scan saw there.
    const [key, want] = paged.partitions.entries().next().value;
    const [tenant, bucket] = JSON.parse(key);
    const rs = await client.execute(
      'SELECT * FROM ringscan_demo.events WHERE tenant = ? AND bucket = ?', [tenant, bucket],
      { prepare: true, fetchSize: 5000 });
    summary.prepared = { tenant, bucket, rows: rs.rows.length, want };
    check(rs.rows.length === want, `prepared partition query returned ${rs.rows.length} rows, the scan saw ${want}`);
    // Clustering order: ts DESC, then seq ASC.
    for (let i = 1; i < rs.rows.length; i++) {
      const a = rs.rows[i - 1], b = rs.rows[i];
      const ok = a.ts > b.ts || (a.ts.getTime() === b.ts.getTime() && a.seq < b.seq);
      check(ok, `rows ${i - 1} and ${i} of partition ${key} are out of clustering order`);
    }

    summary.tokenRanges = await scanTokenRanges(client);
    summary.roundTrip = await roundTrip(client);
    summary.dataModel = await dataModel(client);
  } finally {
    await client.shutdown().catch(() => {});
  }
}

const summary = { logs: [] };
main(summary).then(() => {
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  process.exit(0);
}, (err) => {
  process.stderr.write('compat.js: ' + (err && err.stack ? err.stack : err) + '\n');
  process.stderr.write('compat.js: summary so far: ' + JSON.stringify(summary) + '\n');
  process.exit(1);
});
