// Package output writes a scan's rows into a directory of rotating files,
// with optional gzip or zstd compression, commit points that a checkpoint
// can record, resume by truncation, and a manifest that marks the output
// complete. A Dir is a sink.Committer: the scanner commits it before every
// checkpoint save and restores it when a scan resumes.
//
// # Files
//
// Files are named <table>-<seq>.<ext>[.gz|.zst] with a six-digit sequence
// from 000001, where ext is jsonl, csv or parquet. A new file starts when
// the current one holds MaxRowsPerFile rows. An output without rows still
// has one file, empty or holding just a CSV header or a Parquet schema.
// manifest.json is written last, atomically, when the scan has read every
// row: a directory without it is incomplete.
//
// # Commit points
//
// Commit flushes what is buffered, ends the current gzip member or zstd
// frame (so the file is valid up to that point), fsyncs the file (and the
// directory, for the names it created), and returns the state: format,
// compression, the options that shape the bytes, and every file's committed
// size and rows. Restore takes a state back: it refuses one written with
// other options, naming the option, then truncates the files to their
// committed sizes and removes every other output file, temporary file and
// manifest, so that the directory again holds exactly the rows the
// checkpoint accounts for, whether the state lists no files, some, or is
// nil. Parquet files cannot be cut, so Commit closes the current Parquet
// file and the next rows start a new one.
//
// # One writer
//
// Open takes a lock on the directory (flock on .ringscan.lock inside it)
// for the Dir's lifetime, so that a second scan into the same directory,
// fresh or resumed, is refused with a message naming the holder. The lock
// dies with its process.
package output
