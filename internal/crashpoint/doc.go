// Package crashpoint marks the places where ringscan's crash tests kill
// the process: between the steps of the commit protocol (sink committed,
// checkpoint written but not renamed, renamed but the directory not yet
// synced), at file rotation, after a split, after a page, before the
// manifest.
//
// In a normal build Hit does nothing and costs nothing. Built with
// -tags crashpoints, Hit reads RINGSCAN_CRASHPOINT ("name:N") once and,
// at the Nth hit of the point named, sends the process SIGKILL: the crash
// is a real kill -9, at an exact instruction boundary, with no deferred
// function, buffer flush or signal handler running. The crash-injection
// suite in internal/cli builds the binary that way.
package crashpoint

// The points, so that callers and tests name them alike.
const (
	FirstSave      = "scan.first-save"      // before the checkpoint saved before any row is read
	Page           = "scan.page"            // after a page was written to the sink, before the checkpoint counts it
	Committed      = "scan.committed"       // after the sink committed, before the checkpoint is saved
	Split          = "scan.split"           // after a split was recorded
	BeforeRename   = "atomic.before-rename" // a small file's new content is synced, not yet renamed
	AfterRename    = "atomic.after-rename"  // renamed, the directory not yet synced
	FileCreated    = "output.created"       // a new output file was created, nothing written to it
	FileFinished   = "output.finished"      // an output file was completed at rotation
	BeforeManifest = "scan.before-manifest" // every row is read and checkpointed; no manifest yet
)

// Env names the environment variable a crashpoints build reads.
const Env = "RINGSCAN_CRASHPOINT"
