import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { copyText, copyTextOf } from './copy';

interface Row {
  /** `$.items[0].sku` */
  path: string;
  depth: number;
  /** The key or index shown before the value; none for the root. */
  name: string | null;
  value: unknown;
  expandable: boolean;
  expanded: boolean;
  parent: string | null;
}

const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] => typeof value === 'object' && value !== null;
const childPath = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

function flatten(value: unknown, collapsed: Set<string>): Row[] {
  const rows: Row[] = [];
  const walk = (node: unknown, path: string, depth: number, name: string | null, parent: string | null) => {
    const expandable = isContainer(node) && Object.keys(node).length > 0;
    const expanded = expandable && !collapsed.has(path);
    rows.push({ path, depth, name, value: node, expandable, expanded, parent });
    if (!expanded) return;
    if (Array.isArray(node)) node.forEach((child, index) => walk(child, childPath(path, index), depth + 1, String(index), path));
    else for (const [key, child] of Object.entries(node as Record<string, unknown>)) walk(child, childPath(path, key), depth + 1, key, path);
  };
  walk(value, '$', 0, null, null);
  return rows;
}

function preview(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.length} item${value.length === 1 ? '' : 's'}]`;
  if (isContainer(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? '{}' : `{${keys.length} key${keys.length === 1 ? '' : 's'}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/**
 * A collapsible JSON tree that is one Tab stop (a WAI-ARIA tree with a roving tabindex): arrows
 * move and open or close, Enter toggles, C copies the value in focus. Each value also has a
 * copy button for the mouse. Nothing in it scrolls by itself, so it never adds a scrolling box.
 */
export function JsonTree({ value, label, onCopied }: { value: unknown; label: string; onCopied?: (what: string) => void }) {
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const [active, setActive] = useState('$');
  const rows = useMemo(() => flatten(value, collapsed), [value, collapsed]);
  const tree = useRef<HTMLUListElement>(null);
  const activeRow = rows.find((row) => row.path === active) ?? rows[0]!;

  const toggle = (path: string) =>
    setCollapsed((current) => {
      const next = new Set(current);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  // Focus follows the active item after it renders (arrow keys move both).
  const moveFocus = useRef(false);
  const focus = (path: string) => {
    moveFocus.current = true;
    setActive(path);
  };
  useEffect(() => {
    if (!moveFocus.current) return;
    moveFocus.current = false;
    tree.current?.querySelector<HTMLElement>(`[data-path="${CSS.escape(activeRow.path)}"]`)?.focus();
  });
  const copy = (row: Row) => {
    void copyText(copyTextOf(row.value)).then(
      () => onCopied?.(`Copied ${row.path === '$' ? label : row.path}`),
      (error: unknown) => onCopied?.(`Could not copy: ${(error as Error).message}`),
    );
  };

  function onKeyDown(event: KeyboardEvent<HTMLUListElement>) {
    const index = rows.findIndex((row) => row.path === activeRow.path);
    const row = activeRow;
    switch (event.key) {
      case 'ArrowDown':
        if (index < rows.length - 1) focus(rows[index + 1]!.path);
        break;
      case 'ArrowUp':
        if (index > 0) focus(rows[index - 1]!.path);
        break;
      case 'Home':
        focus(rows[0]!.path);
        break;
      case 'End':
        focus(rows[rows.length - 1]!.path);
        break;
      case 'ArrowRight':
        if (row.expandable && !row.expanded) toggle(row.path);
        else if (row.expanded && rows[index + 1]) focus(rows[index + 1]!.path);
        break;
      case 'ArrowLeft':
        if (row.expanded) toggle(row.path);
        else if (row.parent) focus(row.parent);
        break;
      case 'Enter':
      case ' ':
        if (row.expandable) toggle(row.path);
        break;
      case 'c':
      case 'C':
        if (event.ctrlKey || event.metaKey || event.altKey) return;
        copy(row);
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  return (
    <ul className="json-tree" role="tree" aria-label={label} ref={tree} onKeyDown={onKeyDown}>
      {rows.map((row) => (
        <li
          key={row.path}
          role="treeitem"
          data-path={row.path}
          aria-level={row.depth + 1}
          aria-expanded={row.expandable ? row.expanded : undefined}
          aria-selected={row.path === activeRow.path}
          tabIndex={row.path === activeRow.path ? 0 : -1}
          onFocus={(event) => {
            if (event.target === event.currentTarget) setActive(row.path);
          }}
          style={{ paddingLeft: `${row.depth * 1.1}rem` }}
        >
          {row.expandable ? (
            <button type="button" tabIndex={-1} className="twisty" aria-hidden="true" onClick={() => toggle(row.path)}>
              {row.expanded ? '▾' : '▸'}
            </button>
          ) : (
            <span className="twisty" aria-hidden="true" />
          )}
          {row.name !== null ? <span className="json-key">{row.name}: </span> : null}
          <span className={`json-value json-${kindOf(row.value)}`}>{preview(row.value)}</span>
          <button type="button" tabIndex={-1} className="copy-value" onClick={() => copy(row)} aria-label={`Copy ${row.path === '$' ? label : row.path}`}>
            Copy
          </button>
        </li>
      ))}
    </ul>
  );
}
