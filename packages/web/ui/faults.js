// @ts-check
// The faults tab: the catalogue, each fault switchable, and a rerun button.
import { clear, h } from './dom.js';

/** @typedef {import('./types.js').LabState} LabState */

/**
 * @param {HTMLElement} panel
 * @param {LabState} state
 * @param {{toggle: (name: string, on: boolean) => void, rerun: () => void, user: string, busy: boolean}} actions
 */
export function renderFaults(panel, state, actions) {
  clear(panel);
  const active = new Set(state.faults.active.map((f) => f.name));
  panel.append(
    h(
      'div',
      { class: 'faults-head' },
      h('p', {
        text: 'Switch faults on, then rerun the flow: the diagram shows where it breaks. Faults stay on until switched off.',
      }),
      h('button', {
        type: 'button',
        id: 'rerun',
        class: 'primary',
        disabled: actions.busy || !actions.user,
        text: `Rerun for ${actions.user || '…'}`,
        onclick: actions.rerun,
      }),
    ),
    h(
      'ul',
      { class: 'fault-list' },
      state.faults.catalogue.map((fault) =>
        h(
          'li',
          { class: `fault${active.has(fault.name) ? ' on' : ''}`, 'data-fault': fault.name },
          h(
            'label',
            {},
            h('input', {
              type: 'checkbox',
              name: fault.name,
              checked: active.has(fault.name),
              disabled: actions.busy,
              onchange: (/** @type {Event} */ event) =>
                actions.toggle(fault.name, /** @type {HTMLInputElement} */ (event.target).checked),
            }),
            h('span', { class: 'fault-title', text: fault.title }),
            fault.step !== undefined
              ? h('span', {
                  class: 'fault-step',
                  text: `step ${fault.step}`,
                  title: 'where flow A shows it',
                })
              : null,
          ),
          h('p', { class: 'fault-meta', text: `${fault.name} · ${fault.party}` }),
          h('p', { class: 'symptom', text: fault.symptom }),
        ),
      ),
    ),
  );
}
