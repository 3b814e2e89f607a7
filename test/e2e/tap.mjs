// TAP for the end-to-end tests: "ok N - ..." / "not ok N - ...", then the plan.
let count = 0;
let failed = 0;

export function check(ok, what) {
  count += 1;
  if (!ok) failed += 1;
  console.log(`${ok ? 'ok' : 'not ok'} ${count} - ${what}`);
}

// Prints the plan and exits: 0 when every check passed.
export function done() {
  console.log(`1..${count}`);
  process.exit(failed === 0 ? 0 : 1);
}
