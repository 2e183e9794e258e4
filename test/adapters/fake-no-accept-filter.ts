// The no-accept table in memory, with the kernel's rule that elements live only in an installed table (ENOENT
// otherwise); the shared contract (no-accept-filter-contract.ts) holds it to the same behaviour as nf_tables.
import type { NoAcceptFilter } from "../../src/adapters/no-accept-filter.ts";

export class FakeNoAcceptFilter implements NoAcceptFilter {
  private table: Map<string, Uint8Array> | null = null;
  /** Every call, in order, for driver tests: "install", "block 192.0.2.1", "unblock ...", "remove". */
  readonly calls: string[] = [];
  closed = false;

  install(): void {
    this.calls.push("install");
    this.table = new Map();
  }

  block(addresses: readonly Uint8Array[]): void {
    this.calls.push(`block ${addresses.map(text).join(" ")}`);
    const table = this.need();
    for (const a of addresses) table.set(text(a), a.slice());
  }

  unblock(addresses: readonly Uint8Array[]): void {
    this.calls.push(`unblock ${addresses.map(text).join(" ")}`);
    const table = this.need();
    for (const a of addresses) table.delete(text(a));
  }

  remove(): void {
    this.calls.push("remove");
    this.table = null;
  }

  installed(): boolean {
    return this.table !== null;
  }

  blocked(): Uint8Array[] {
    return [...(this.table?.values() ?? [])].map((a) => a.slice());
  }

  close(): void {
    this.closed = true;
  }

  private need(): Map<string, Uint8Array> {
    if (this.table === null) throw Object.assign(new Error("no-accept table not installed: ENOENT"), { code: "ENOENT" });
    return this.table;
  }
}

function text(a: Uint8Array): string {
  return a.length === 4 ? a.join(".") : [...a].map((b) => b.toString(16).padStart(2, "0")).join("");
}
