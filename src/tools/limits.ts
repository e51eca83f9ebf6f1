/** Size limits shared by the tools; each number says why it is what it is. */

/** Files the editing tools load whole. Larger source files are almost always generated. */
export const MAX_EDIT_BYTES = 4 * 1024 * 1024;

/** What read_file returns at most per call (~12k tokens): a local model's context is precious. */
export const MAX_READ_CHARS = 48_000;

/**
 * Files a checkpoint leaves out unless the agent is about to write them: a model's weights,
 * a dataset or a video in the folder would be copied into Hearth's storage (gigabytes, and
 * minutes before the first edit) though no tool edits anything past MAX_EDIT_BYTES.
 */
export const MAX_CHECKPOINT_FILE_BYTES = 32 * 1024 * 1024;

/**
 * A diff between checkpoints, at most, as git writes it: past it git is stopped and the diff
 * refused (DiffTooLargeError). A build that wrote 440 MB of binaries into a folder the
 * project does not ignore made a 600 MB patch, past the longest string V8 can hold (~512 MiB):
 * `hearth fix` read it for a minute at 1.3 GB of memory, then said "the model failed: Cannot
 * create a string longer than 0x1fffffe8 characters".
 */
export const MAX_DIFF_BYTES = 256 * 1024 * 1024;

/** Files read_file opens at all (search stops at 2 MB); larger ones only a command such as grep can read. */
export const MAX_READ_FILE_BYTES = 16 * 1024 * 1024;

/** Lines of output run_command keeps (head + tail), and characters. */
export const MAX_COMMAND_OUTPUT_CHARS = 24_000;

/**
 * Processes one command may add to its user's, threads counted (RLIMIT_NPROC counts the
 * user's threads, all programs together): a fork bomb, a `while True: os.fork()` or a test
 * that starts a thread per item had no bound but the user's own (tens of thousands on a desktop),
 * enough to freeze the machine, the editor with it.
 * Far above what builds and test suites start at once (make -j, a JVM's and a browser's
 * threads: hundreds); a bomb held to it fails its forks and dies down within seconds.
 */
export const MAX_COMMAND_PROCESSES = 2048;
