// Where ../shared (beside the repository, as CI lays it out) keeps the keepalived sample configurations.

import { existsSync } from "node:fs";
import { join } from "node:path";

const candidates = [join(import.meta.dir, "..", "..", "shared"), "/work/shared"];
const shared = candidates.find((dir) => existsSync(join(dir, "corpus", "keepalived-samples")));
if (!shared) throw new Error(`the keepalived sample corpus is missing: looked in ${candidates.join(", ")}`);

export const KEEPALIVED_SAMPLES = join(shared, "corpus", "keepalived-samples");
