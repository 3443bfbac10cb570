/**
 * A small structural checker for documents read back from a store: collects every problem with its path.
 */
import { isArtifactRef, isHash } from '../../store';

/** Collects `<path>: <what was expected>` problems while a decoder walks a document. */
export class ShapeChecker {
  public readonly problems: string[] = [];

  /** Records a problem at `path` unless `ok`; returns `ok`. */
  public expect(ok: boolean, path: string, expected: string, value: unknown): boolean {
    if (!ok) this.problems.push(`${path}: expected ${expected}, received ${preview(value)}`);
    return ok;
  }

  public object(v: unknown, path: string): v is Record<string, unknown> {
    return this.expect(typeof v === 'object' && v !== null && !Array.isArray(v), path, 'an object', v);
  }

  public string(v: unknown, path: string): boolean {
    return this.expect(typeof v === 'string', path, 'a string', v);
  }

  public number(v: unknown, path: string): boolean {
    return this.expect(typeof v === 'number' && Number.isFinite(v), path, 'a number', v);
  }

  public boolean(v: unknown, path: string): boolean {
    return this.expect(typeof v === 'boolean', path, 'true or false', v);
  }

  public hash(v: unknown, path: string): boolean {
    return this.expect(isHash(v), path, 'a hash sha256:<64 hex>', v);
  }

  public ref(v: unknown, path: string, nullable = false): boolean {
    return this.expect((nullable && v === null) || isArtifactRef(v), path, `an artifact reference${nullable ? ' or null' : ''}`, v);
  }

  public strings(v: unknown, path: string, nonEmpty = false): boolean {
    return this.expect(
      Array.isArray(v) && v.every((s) => typeof s === 'string') && (!nonEmpty || v.length > 0),
      path,
      `a${nonEmpty ? ' non-empty' : 'n'} array of strings`,
      v,
    );
  }

  /** Checks every value of an object map with `each`. */
  public map(v: unknown, path: string, each: (value: unknown, path: string) => void): void {
    if (this.object(v, path)) for (const [k, x] of Object.entries(v)) each(x, `${path}.${k}`);
  }
}

function preview(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
