// Creating a named pipe (FIFO) on the host: the notify FIFO a notify_fifo_script reads, when it is missing.
// The Linux implementation is src/adapters/linux/fifo-maker.ts.

/** Creates a FIFO at `path` with `mode`; throws an AdapterError (code "EEXIST" when the path exists). */
export type FifoMaker = (path: string, mode: number) => void;
