// FifoMaker over mkfifo(3).

import { mkfifo } from "../../../ffi/index.ts";
import { adapterCall } from "../adapter-error.ts";
import type { FifoMaker } from "../fifo-maker.ts";

export const linuxFifoMaker: FifoMaker = (path, mode) => adapterCall(`create FIFO ${path}`, () => mkfifo(path, mode));
