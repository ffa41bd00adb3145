/**
 * Content addressing. A file's content key names everything derived from it
 * (its parse, chunks, symbols), so a file seen before — on another branch, in
 * another repo — costs nothing to index again.
 */
import { createHash } from 'node:crypto';

export function contentKey(blob: string, language: string, chunkerVersion: string | number): string {
  return createHash('sha1').update(`${blob}\0${language}\0${chunkerVersion}`).digest('hex');
}

export function chunkHash(language: string, chunkerVersion: string | number, text: string): string {
  return createHash('sha1').update(`${language}\0${chunkerVersion}\0`).update(text).digest('hex');
}
