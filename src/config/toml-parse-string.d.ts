// @iarna/toml's synchronous parser alone (its package entry also loads the stream parser, and with it Node's
// `stream`: ≈ 1.4 MiB of the daemon's memory for nothing it uses). The package declares only its entry.
declare module "@iarna/toml/parse-string.js" {
  const parseString: (toml: string) => Record<string, unknown>;
  export default parseString;
}
