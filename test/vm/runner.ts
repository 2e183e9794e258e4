// The VM runner lives in src/vm/ (`vipd lab --lb` boots the VM too); the tests import it from here.
export * from "../../src/vm/runner.ts";
