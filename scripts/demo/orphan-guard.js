// Preloaded into every child of the demo (`node --import …/orphan-guard.js`). The children run
// in their own process groups so the demo can stop them in order; if the demo dies without
// stopping them (SIGKILL, a killed test worker), they would live on. This notices that the
// parent is gone and stops the process the normal way (SIGTERM runs its clean shutdown).
// The demo's pid comes in the environment: a demo killed while the child was still loading
// has already handed it to init, so `process.ppid` at load time would be the wrong parent.
const parent = Number(process.env.LOUNGE_DEMO_PID) || process.ppid;
const check = () => {
  if (process.ppid === parent) return;
  clearInterval(timer);
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(1), 5_000).unref(); // a stop that hangs still ends
};
const timer = setInterval(check, 500);
timer.unref();
check();
