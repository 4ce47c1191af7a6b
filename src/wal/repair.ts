/**
 * The two ways recovery changes files, both keeping what they remove: cutting a segment at an
 * offset (the cut bytes go to `<segment>.broken` first, as etcd's repair keeps them) and moving
 * a whole segment aside (renamed to `<segment>.broken`). Neither ever deletes data: an operator
 * can inspect, or with luck salvage, what recovery decided it could not trust.
 *
 * Order matters for a crash during repair: the `.broken` copy is made durable (file and
 * folder synced) before the segment is truncated, and the truncation is synced before the log
 * accepts writes, so a crash midway repeats the same repair at the next open.
 */
import { type FileLayer, joinPath } from "./file-layer.ts";
import { BROKEN_SUFFIX } from "./format.ts";
import { writeFully } from "./segments.ts";

/** `<name>.broken`, or `<name>.<n>.broken` if an earlier repair already used that name. */
function brokenName(fs: FileLayer, dir: string, name: string): string {
  let candidate = name + BROKEN_SUFFIX;
  for (let n = 1; fs.exists(joinPath(dir, candidate)); n++) {
    // A folder full of broken copies means repeated repairs nobody looked at; it is bounded by
    // the operator, not here, but an absurd count is a bug worth crashing on.
    if (n > 10_000) throw new Error(`more than 10,000 broken copies of ${name}`);
    candidate = `${name}.${n}${BROKEN_SUFFIX}`;
  }
  return candidate;
}

/**
 * Cuts segment `name` at `offset`: copies `image[offset..]` (the file's bytes from there on)
 * into a new broken file, then truncates the segment. Returns the broken file's name.
 */
export function cutSegment(fs: FileLayer, dir: string, name: string, image: Uint8Array, offset: number): string {
  const broken = brokenName(fs, dir, name);
  const brokenFd = fs.create(joinPath(dir, broken));
  try {
    writeFully(fs, brokenFd, image.subarray(offset), 0);
    fs.fdatasync(brokenFd);
  } finally {
    fs.close(brokenFd);
  }
  fs.fsyncDir(dir);
  const fd = fs.open(joinPath(dir, name), "readwrite");
  try {
    fs.truncate(fd, offset);
    fs.fdatasync(fd);
  } finally {
    fs.close(fd);
  }
  return broken;
}

/** Renames segments aside as broken files, then syncs the folder once. Returns the new names. */
export function moveAside(fs: FileLayer, dir: string, names: readonly string[]): string[] {
  const moved: string[] = [];
  for (const name of names) {
    const broken = brokenName(fs, dir, name);
    fs.rename(joinPath(dir, name), joinPath(dir, broken));
    moved.push(broken);
  }
  if (moved.length > 0) fs.fsyncDir(dir);
  return moved;
}
