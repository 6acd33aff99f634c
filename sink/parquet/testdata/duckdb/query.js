// Runs SQL statements with DuckDB and prints their results as JSON, for
// sink/parquet's TestDuckDBReadsFiles.
//
// stdin:  a JSON array of SQL statements.
// stdout: a JSON array with, per statement, {columns: [names], types:
//         [DuckDB type names], rows: [[values as DuckDB's JSON form]]}.
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const statements = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const out = [];
  for (const sql of statements) {
    const r = await conn.runAndReadAll(sql);
    out.push({
      columns: r.columnNames(),
      types: r.columnTypes().map((t) => t.toString()),
      rows: r.getRowsJson(),
    });
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
