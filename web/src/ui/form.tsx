// Form parts after the NL Design System and GOV.UK patterns: every control
// has a label; hints and errors are tied to it (aria-describedby), an
// invalid control says so (aria-invalid), and a summary of all errors at
// the top of the form takes the focus and links to each field.

import type { ComponentChildren, Ref } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { copy } from "../copy";

export interface FieldProps {
  id: string;
  label: string;
  hint?: string;
  error?: string | undefined;
  type?: "text" | "password" | "date" | "search";
  value: string;
  autocomplete?: string;
  onInput: (value: string) => void;
}

export function TextField(p: FieldProps) {
  const describedBy = [p.hint && `${p.id}-hint`, p.error && `${p.id}-error`].filter(Boolean).join(" ");
  return (
    <div class={`utrecht-form-field utrecht-form-field--text${p.error ? " utrecht-form-field--invalid" : ""}`}>
      <div class="utrecht-form-field__label">
        <label class="utrecht-form-label" for={p.id}>
          {p.label}
        </label>
      </div>
      {p.hint && (
        <div class="utrecht-form-field-description" id={`${p.id}-hint`}>
          {p.hint}
        </div>
      )}
      {p.error && (
        <div class="utrecht-form-field-error-message" id={`${p.id}-error`}>
          {p.error}
        </div>
      )}
      <div class="utrecht-form-field__input">
        <input
          class={`utrecht-textbox utrecht-textbox--html-input${p.error ? " utrecht-textbox--invalid" : ""}`}
          id={p.id}
          name={p.id}
          type={(p.type ?? "text") as "text"}
          value={p.value}
          autocomplete={p.autocomplete}
          aria-invalid={p.error ? "true" : undefined}
          aria-describedby={describedBy || undefined}
          onInput={(e) => p.onInput((e.target as HTMLInputElement).value)}
        />
      </div>
    </div>
  );
}

/** The errors of a form, focused when they appear, each linking to its field. */
export function ErrorSummary(p: { errors: Array<{ field: string; text: string }> }) {
  const ref = useRef<HTMLDivElement>(null);
  const t = copy.value;
  useEffect(() => {
    if (p.errors.length) ref.current?.focus();
  }, [p.errors]);
  if (!p.errors.length) return null;
  return (
    <div class="utrecht-alert utrecht-alert--error" role="alert" tabIndex={-1} ref={ref}>
      <p class="utrecht-paragraph">
        <strong>{t.errors.fixBelow}</strong>
      </p>
      <ul class="utrecht-unordered-list">
        {p.errors.map((e) => (
          <li class="utrecht-unordered-list__item" key={e.field}>
            <a class="utrecht-link" href={`#${e.field}`}>
              {e.text}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A message in the page, read out by screen readers when it appears. */
export function Notice(p: { kind: "info" | "ok" | "error"; children: ComponentChildren; focus?: boolean }) {
  const ref: Ref<HTMLDivElement> = useRef(null);
  useEffect(() => {
    if (p.focus) ref.current?.focus();
  }, [p.focus]);
  return (
    <div
      class={`utrecht-alert utrecht-alert--${p.kind}`}
      role={p.kind === "error" ? "alert" : "status"}
      tabIndex={p.focus ? -1 : undefined}
      ref={ref}
    >
      <p class="utrecht-paragraph">{p.children}</p>
    </div>
  );
}

export function Button(p: {
  children: ComponentChildren;
  kind?: "primary" | "secondary";
  type?: "submit" | "button";
  busy?: boolean;
  onClick?: () => void;
}) {
  return (
    <button
      type={p.type ?? "submit"}
      class={`utrecht-button utrecht-button--${p.kind === "secondary" ? "secondary" : "primary"}-action`}
      aria-disabled={p.busy ? "true" : undefined}
      onClick={(e) => {
        if (p.busy) {
          e.preventDefault();
          return;
        }
        p.onClick?.();
      }}
    >
      {p.children}
    </button>
  );
}

/** A checkbox with its label beside it (and an error tied to it, if any). */
export function Checkbox(p: {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  describedBy?: string | undefined;
}) {
  return (
    <div class="kluis-choice">
      <input
        class="utrecht-checkbox utrecht-checkbox--html-input"
        type="checkbox"
        id={p.id}
        checked={p.checked}
        aria-describedby={p.describedBy}
        onChange={(e) => p.onChange((e.target as HTMLInputElement).checked)}
      />
      <label class="utrecht-form-label utrecht-form-label--checkbox" for={p.id}>
        {p.label}
      </label>
    </div>
  );
}
