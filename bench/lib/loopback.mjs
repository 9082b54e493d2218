/** Throws unless `host` is this machine's loopback: the benchmarks never leave it. */
export function assertLoopback(label, host) {
  const h = String(host).replace(/^\[|\]$/g, '');
  if (!(h === 'localhost' || h === '::1' || /^127\./.test(h))) {
    throw new Error(`${label} host ${host} is not a loopback address; refusing to run`);
  }
}
