// An HTTP check's url as the config loader resolves one with nothing but its path set: the tests' one builder.

import { type HttpUrl, NO_REGEX_OPTIONS } from "../../src/check/check-definition.ts";

export function httpUrl(over: Partial<HttpUrl> = {}): HttpUrl {
  return {
    path: "/",
    statusCodes: [[200, 299]],
    digest: null,
    virtualhost: null,
    regex: null,
    regexNoMatch: false,
    regexOptions: NO_REGEX_OPTIONS,
    ...over,
  };
}
