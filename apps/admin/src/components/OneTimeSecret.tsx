import { useState } from 'react';
import { copyText } from './copy';

/**
 * A secret shown once (a new API key, a subscription's signing secret): the text, and a button that
 * copies it (`copyText`, with its fallback where the Clipboard API is refused). Give it `key={value}`
 * so that a new secret starts as "not copied".
 */
export function OneTimeSecret({ label, value, testId, copyLabel }: { label: string; value: string; testId: string; copyLabel: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div role="status" className="secret-box">
      <p>{label}</p>
      <code data-testid={testId}>{value}</code>
      <button
        type="button"
        onClick={() => {
          void copyText(value).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {copied ? 'Copied' : copyLabel}
      </button>
    </div>
  );
}
