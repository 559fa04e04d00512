import { certificateTrust, validateCertificates, type EasElement } from '@hma-lab/activesync';
import type { CommandContext, CommandResult } from '../command-context.js';

/**
 * ValidateCert (MS-ASCMD 2.2.1.22): the certificates an S/MIME client asks
 * about, checked against the server's trust (`validateCert` in the config)
 * at the lab's time. One Status per certificate; the command's Status is 2
 * when the request names none.
 */
export function validateCertCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const { body, statuses } = validateCertificates(
    request,
    certificateTrust(ctx.config.validateCert, ctx.clock.now()),
  );
  ctx.event(
    'onprem.eas.certificates.validated',
    `${ctx.user.upn} validated ${statuses.length} certificate(s): ${statuses.join(', ') || 'none'}`,
    { statuses },
  );
  return { body };
}
