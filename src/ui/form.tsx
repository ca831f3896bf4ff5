import type { Child } from "hono/jsx";
import type { AuthError } from "../platform/errors";
import { StrengthMeter } from "./strength";

/** What a form page shows after a refused POST: the API's copy, per field and for the whole form. */
export interface FormErrors {
  /** The problem's detail when no field carries it. */
  form?: string;
  fields: Record<string, string>;
}

export const NO_ERRORS: FormErrors = { fields: {} };

/**
 * The API's copy of an error, placed where it belongs: `validation_failed` messages next to their field,
 * anything else above the form (or next to `field` when the caller knows which field the problem concerns).
 */
export function formErrors(error: AuthError, field?: string): FormErrors {
  const listed = error.extra.errors as { path: string; message: string }[] | undefined;
  if (error.code === "validation_failed" && Array.isArray(listed) && listed.length > 0) {
    const fields: Record<string, string> = {};
    for (const e of listed) fields[e.path] ??= e.message;
    return { fields };
  }
  if (field) return { fields: { [field]: error.detail } };
  return { form: error.detail, fields: {} };
}

/** The form-level error, announced to screen readers. */
export function FormAlert(props: { errors: FormErrors }) {
  return props.errors.form ? (
    <p class="alert" role="alert">
      {props.errors.form}
    </p>
  ) : null;
}

/** A labelled input with its error (linked by aria-describedby) right below it. */
export function Field(props: {
  name: string;
  label: string;
  type?: string;
  value?: string;
  autocomplete?: string;
  required?: boolean;
  errors: FormErrors;
  hint?: string;
  /** The input's id, where one page has several forms with the same field (ids are unique per page). */
  id?: string;
  /** For a new password: the form's fields whose values make it weak (the strength meter's user inputs). */
  strengthInputs?: string[];
}) {
  const id = props.id ?? `f-${props.name}`;
  const error = props.errors.fields[props.name];
  // Every new-password field gets the strength meter (ui/strength.tsx).
  const newPassword = props.autocomplete === "new-password";
  const described = [error ? `${id}-error` : "", props.hint ? `${id}-hint` : ""].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.hint ? (
        <span class="muted" id={`${id}-hint`}>
          {props.hint}
        </span>
      ) : null}
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value}
        autocomplete={props.autocomplete}
        required={props.required}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described || undefined}
        data-strength={newPassword ? `${id}-strength` : undefined}
        data-strength-inputs={newPassword ? (props.strengthInputs ?? ["email", "name"]).join(",") : undefined}
      />
      {newPassword ? <StrengthMeter id={`${id}-strength`} /> : null}
      {error ? (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A form that works without JavaScript: POST to a path of this origin, then a redirect. */
export function PostForm(props: { action: string; children: Child }) {
  return (
    <form class="stack" method="post" action={props.action} novalidate>
      {props.children}
    </form>
  );
}
