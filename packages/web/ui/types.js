// @ts-check
// The shapes the trainer API answers (see packages/web/src), as JSDoc types for the page.

/**
 * @typedef {'device'|'client'|'lab'|'autodetect'|'exo'|'entra'|'wap'|'adfs'|'onprem-autodiscover'|'onprem-eas'|'outlook-service'} Party
 * @typedef {'A'|'B'|'C'} FlowName
 *
 * @typedef {object} RowView
 * @property {string} id
 * @property {'exchange'|'request'|'response'|'event'|'group'} kind
 * @property {number|null} step
 * @property {Party} from
 * @property {Party} to
 * @property {number} seq
 * @property {number} atMs
 * @property {string} label
 * @property {number} [status]
 * @property {number} entryId
 * @property {string[]} tokens
 * @property {RowView[]} [children]
 * @property {number} [count]
 *
 * @typedef {object} SegmentView
 * @property {number} id
 * @property {'run'|'advance'|'background'} kind
 * @property {string} title
 * @property {number} fromMs
 * @property {number} toMs
 * @property {number} entryCount
 * @property {boolean} summarised
 * @property {RowView[]} rows
 *
 * @typedef {object} TokenUse
 * @property {Party} party
 * @property {number} entryId
 * @property {number|null} step
 * @property {number} status
 * @property {boolean} accepted
 * @property {string} where
 * @property {number} atMs
 *
 * @typedef {object} TokenView
 * @property {string} id
 * @property {string} role
 * @property {string} family
 * @property {number} generation
 * @property {string} name
 * @property {'jwt'|'saml'|'opaque'} kind
 * @property {number} firstEntryId
 * @property {number|null} firstStep
 * @property {number} firstSeenAtMs
 * @property {Party} [mintedBy]
 * @property {Party} [mintedFor]
 * @property {string} [grant]
 * @property {TokenUse[]} presentedTo
 * @property {Record<string, unknown>} [header]
 * @property {Record<string, unknown>} [claims]
 * @property {number} [issuedAtMs]
 * @property {number} [expiresAtMs]
 * @property {'claims'|'saml'|'policy'} [lifetimeFrom]
 *
 * @typedef {object} StopPoint
 * @property {number} step
 * @property {'fault'|'device'} cause
 * @property {string} [fault]
 * @property {string} title
 * @property {string} detail
 * @property {number} [deviceStep]
 * @property {string} [deviceReason]
 *
 * @typedef {object} RunSummary
 * @property {string} runId
 * @property {string} user
 * @property {'hma'|'basic'} path
 * @property {FlowName} flow
 * @property {'running'|'ok'|'failed'} status
 * @property {number} startedAtMs
 * @property {number} [finishedAtMs]
 * @property {string[]} faults
 * @property {{step: number, reason: string, message: string}} [error]
 * @property {StopPoint} [stoppedAt]
 * @property {Array<{step: number, fault: string, title: string}>} [faultMarks]
 *
 * @typedef {object} RunView
 * @property {RunSummary} run
 * @property {number} nowMs
 * @property {number[]} steps
 * @property {SegmentView[]} segments
 * @property {TokenView[]} tokens
 *
 * @typedef {object} FaultDefinition
 * @property {string} name
 * @property {string} title
 * @property {string} party
 * @property {string} symptom
 * @property {number} [step]
 * @property {Record<string, {default: unknown, description: string}>} [params]
 *
 * @typedef {object} LabUser
 * @property {string} upn
 * @property {string} displayName
 * @property {string} mailbox
 * @property {string} [exchangeVersion]
 * @property {string} authentication
 * @property {boolean} mfa
 * @property {FlowName} flow
 *
 * @typedef {object} FlowInfo
 * @property {string} title
 * @property {Record<string, string>} meanings
 * @property {Record<string, string>} explanations
 *
 * @typedef {object} LabState
 * @property {{name: string, description: string}} scenario
 * @property {number} labSerial
 * @property {Array<{name: string, description: string}>} scenarios
 * @property {boolean} canSwitchScenario
 * @property {LabUser[]} users
 * @property {{nowMs: number, iso: string}} clock
 * @property {{catalogue: FaultDefinition[], active: Array<{name: string, params: Record<string, unknown>}>}} faults
 * @property {Record<FlowName, FlowInfo>} flows
 * @property {Array<{party: Party, label: string}>} lanes
 * @property {RunSummary[]} runs
 * @property {string|null} busy
 *
 * @typedef {object} TraceBody
 * @property {string} [contentType]
 * @property {number} size
 * @property {string} [text]
 * @property {boolean} [truncated]
 *
 * @typedef {object} TraceToken
 * @property {string} name
 * @property {string} where
 * @property {'jwt'|'saml'|'opaque'} kind
 * @property {string} raw
 * @property {Record<string, unknown>} [header]
 * @property {Record<string, unknown>} [claims]
 *
 * @typedef {object} TraceEntry
 * @property {'exchange'|'event'} kind
 * @property {number} id
 * @property {string} [runId]
 * @property {number} atMs
 * @property {Party} [from]
 * @property {Party} [to]
 * @property {Party} [party]
 * @property {string} [method]
 * @property {string} [url]
 * @property {number} [status]
 * @property {Record<string, string>} [requestHeaders]
 * @property {Record<string, string|string[]>} [responseHeaders]
 * @property {TraceBody} [requestBody]
 * @property {TraceBody} [responseBody]
 * @property {TraceToken[]} [tokens]
 * @property {Array<{name: string, where: string}>} [secrets]
 * @property {string} [error]
 * @property {number} [durationMs]
 * @property {string} [action]
 * @property {string} [summary]
 * @property {Record<string, unknown>} [data]
 *
 * @typedef {object} EntryDetail
 * @property {TraceEntry} entry
 * @property {FlowName} flow
 * @property {Array<{leg: string, step: number, from: Party, to: Party, meaning: string, explanation: string}>} legs
 * @property {string[]} tokenIds
 * @property {{request: string[], response: string[]}} important
 */

export {};
