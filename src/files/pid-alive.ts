import { errorCode } from './error-code.js';

/** Whether a process of this host with this pid exists (kill -9 is noticed at once). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM'; // exists, but not ours to signal
  }
}
