// Package fsutil holds the file-system steps that ringscan's crash safety
// rests on, written once: atomic replacement of a small file, and a lock
// that one process holds for a whole run, and the creation of missing
// directories (MkdirAll fsyncs the parent of each one it creates, so that
// a new directory's name is as durable as the files fsynced in it).
//
// # Atomic writes
//
// WriteAtomic writes the data to a new temporary file in the same
// directory, fsyncs it, renames it over the target and fsyncs the
// directory. A crash between any two steps leaves either the old file or
// the new one under the target's name, never a torn one; at worst a
// temporary file ".<name>.tmp-*" stays behind, which nothing reads.
//
// # Locks
//
// Lock takes an exclusive flock(2) on a lock file and writes who holds it
// (process id, host, start time) into the file, so that a second process
// is refused with a message naming the holder. The kernel releases the lock
// when the holder's process ends, however it ends (SIGKILL included): a
// lock never outlives its process. The lock file itself stays; its content
// is only a hint for messages.
package fsutil
