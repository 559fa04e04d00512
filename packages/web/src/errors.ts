import { LabError } from '@hma-lab/core';

/**
 * Errors of the trainer UI's JSON API, rendered as
 * `{ "error": { "code", "message" } }` (the shape of the lab's admin API).
 */
export class TrainerUiError extends LabError {}

/** The request body or a parameter is not what the endpoint takes. */
export class InvalidRequestError extends TrainerUiError {
  constructor(message: string) {
    super(400, 'invalid_request', message);
  }
}

/** A state-changing request without a JSON body (also keeps other web pages from posting forms here). */
export class UnsupportedMediaTypeError extends TrainerUiError {
  constructor() {
    super(415, 'unsupported_media_type', 'send the request body as application/json');
  }
}

export class UnknownUserError extends TrainerUiError {
  constructor(user: string, scenario: string) {
    super(400, 'unknown_user', `no user "${user.slice(0, 200)}" in scenario ${scenario}`);
  }
}

export class UnknownScenarioError extends TrainerUiError {
  constructor(name: string, known: readonly string[]) {
    super(
      400,
      'unknown_scenario',
      `no scenario "${name.slice(0, 100)}" (known: ${known.join(', ')})`,
    );
  }
}

export class UnknownRunError extends TrainerUiError {
  constructor(runId: string) {
    super(404, 'unknown_run', `no run ${runId.slice(0, 100)} in this lab`);
  }
}

export class UnknownEntryError extends TrainerUiError {
  constructor(id: string) {
    super(404, 'unknown_entry', `no trace entry ${id.slice(0, 40)} in this lab`);
  }
}

/** Another run, clock advance or scenario switch is in progress. */
export class BusyError extends TrainerUiError {
  constructor(doing: string) {
    super(409, 'busy', `the lab is busy (${doing}); try again when it is done`);
  }
}

/** The lab was started without a way to switch scenarios. */
export class ScenarioSwitchUnavailableError extends TrainerUiError {
  constructor() {
    super(
      501,
      'not_supported',
      'this lab cannot switch scenarios from the page; restart it with --scenario <name>',
    );
  }
}

export class NotFoundError extends TrainerUiError {
  constructor(path: string) {
    super(404, 'not_found', `no trainer API endpoint ${path.slice(0, 200)}`);
  }
}
