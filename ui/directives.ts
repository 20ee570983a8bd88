/// <reference lib="dom" />
/**
 * lit-html directives the views share.
 *
 * @module
 */

import { noChange } from "lit-html";
import {
  type AttributePart,
  Directive,
  directive,
} from "lit-html/directive.js";

/**
 * Sets style properties through the CSSOM, which a Content-Security-Policy
 * without 'unsafe-inline' allows (lit-html's `styleMap` writes the `style`
 * attribute on first render, which it does not).
 */
class _StyleProperties extends Directive {
  render(_properties: Readonly<Record<string, string>>): unknown {
    return noChange;
  }

  override update(
    part: AttributePart,
    [properties]: [Readonly<Record<string, string>>],
  ): unknown {
    const style = (part.element as HTMLElement).style;
    for (const [name, value] of Object.entries(properties)) {
      style.setProperty(name, value);
    }
    return noChange;
  }
}

/** Sets style properties (`style=${styleProperties({ "--x": "1px" })}`). */
export const styleProperties = directive(_StyleProperties);
