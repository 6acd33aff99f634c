'use strict';

// compat.js checks cqlsim against the DataStax Node.js driver with its
// default settings: protocol version negotiation, control connection,
// topology and schema metadata, paging, prepared statements, token-range
// queries and DDL. It prints one JSON summary on stdout and exits non-zero
// on any failure; cqlsim's TestNodeDriverCompat runs it and checks the
// summary against the cluster it started.
//
// Usage: node compat.js <port> <host> [<host>...]

const cassandra = require('cassandra-driver');

const demoTable = 'SELECT * FROM ringscan_demo.events';
const fetchSize = 100;

function usage() {
  process.stderr.write('usage: node compat.js <port> <host> [<host>...]\n');
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
  const args = process.argv.slice(2);
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
