// The fatal message for the kubelet: written to the termination log, it becomes the container's lastState.terminated.message.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

/** The kubelet reads at most this many bytes of the termination log. */
const KUBELET_LIMIT = 4096;

/**
 * Writes `message` (already redacted) to the termination log at `path`, if the file exists: the kubelet creates it
 * in a pod, and outside one nothing is created. Never throws: the process is about to exit for a better reason.
 */
export function writeTerminationMessage(message: string, path: string): void {
  try {
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd);
      writeSync(fd, Buffer.from(message).subarray(0, KUBELET_LIMIT));
    } finally {
      closeSync(fd);
    }
  } catch {
    // no termination log here (not in a pod), or not writable: the log line is all there is
  }
}
