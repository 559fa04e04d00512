import { COMMAND_SHAPES, el, validateCertificates, type EasElement } from '@hma-lab/activesync';
import type { EasCommandContext } from './eas-engine.js';

/**
 * ValidateCert (MS-ASCMD 2.2.1.22), as on-premises: each certificate checked
 * against the endpoint's trust at the lab's time, one Status per
 * certificate; Status 2 when the request names none, 103 without a body.
 */
export function validateCert(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const shape = COMMAND_SHAPES['ValidateCert']!;
  if (!request) return el(shape.root, el(shape.status, shape.protocolError));
  const { body, statuses } = validateCertificates(request, ctx.certificateTrust());
  ctx.event(
    'exo.eas.certificates.validated',
    `${ctx.owner.email} validated ${statuses.length} certificate(s): ${statuses.join(', ') || 'none'}`,
    { statuses },
  );
  return body;
}
