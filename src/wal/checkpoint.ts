/**
 * The checkpoint file: the highest sequence number the sink has committed downstream.
 *
 * Written the way a file must be replaced atomically: a new `checkpoint.tmp` is written and
 * fdatasync'ed, renamed over `checkpoint`, and the folder is fsync'ed so the rename itself is
 * durable. Only then may segments below it be deleted, so a crash at any point leaves either
 * the old checkpoint with all its segments or the new one. The file is 20 bytes with its own
 * CRC-32C, so a damaged checkpoint is reported, never read as a wrong number.
 */
import { type FileLayer, errorCode, joinPath } from "./file-layer.ts";
import { CHECKPOINT_BYTES, CHECKPOINT_NAME, CHECKPOINT_TMP_NAME, decodeCheckpoint, encodeCheckpoint } from "./format.ts";
import { corruptError } from "./errors.ts";
import { writeFully } from "./segments.ts";

/** The committed sequence number, 0 when there is no checkpoint file yet. */
export function readCheckpoint(fs: FileLayer, dir: string): number {
  const path = joinPath(dir, CHECKPOINT_NAME);
  if (!fs.exists(path)) return 0;
  const fd = fs.open(path, "read");
  try {
    const size = fs.size(fd);
    // Read one byte more than expected so a longer file is caught, not silently accepted.
    const buf = new Uint8Array(Math.min(size, CHECKPOINT_BYTES + 1));
    const n = fs.read(fd, buf, 0);
    const check = decodeCheckpoint(buf.subarray(0, n));
    if (!check.ok) throw corruptError(`${path}: ${check.reason} at byte offset 0`, { file: path, offset: 0 });
    return check.seq;
  } finally {
    fs.close(fd);
  }
}

/** Removes a temp file left by a crash during `writeCheckpoint`; it was never renamed, so never in force. */
export function removeCheckpointLeftover(fs: FileLayer, dir: string): boolean {
  const tmp = joinPath(dir, CHECKPOINT_TMP_NAME);
  if (!fs.exists(tmp)) return false;
  fs.unlink(tmp);
  return true;
}

/**
 * Durably replaces the checkpoint with `seq`. Throws the file layer's error with
 * `checkpointRenamed` set; an ENOSPC before the rename leaves the old checkpoint in force and
 * is safe to retry, anything else is not.
 */
export function writeCheckpoint(fs: FileLayer, dir: string, seq: number): void {
  const tmp = joinPath(dir, CHECKPOINT_TMP_NAME);
  if (fs.exists(tmp)) fs.unlink(tmp);
  const fd = fs.create(tmp);
  let renamed = false;
  try {
    writeFully(fs, fd, encodeCheckpoint(seq), 0);
    fs.fdatasync(fd);
    fs.close(fd);
    fs.rename(tmp, joinPath(dir, CHECKPOINT_NAME));
    renamed = true;
    fs.fsyncDir(dir);
  } catch (err) {
    if (!renamed && errorCode(err) === "ENOSPC") {
      try {
        fs.close(fd);
      } catch {
        /* already closed or never to be used again */
      }
      try {
        fs.unlink(tmp);
      } catch {
        /* a leftover temp file is removed at the next open */
      }
    }
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { checkpointRenamed: renamed });
  }
}
