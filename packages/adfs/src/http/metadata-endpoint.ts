import type { Request, RequestHandler, Response } from 'express';
import { buildFederationMetadata } from '../protocol/federation-metadata.js';
import { farmOfRequest, type AdfsContext } from './adfs-context.js';

/** `GET /FederationMetadata/2007-06/FederationMetadata.xml`: the farm's signed metadata. */
export function metadataEndpoint(ctx: AdfsContext): RequestHandler {
  return function adfsFederationMetadata(req: Request, res: Response) {
    const farm = farmOfRequest(ctx, req);
    const key = ctx.deps.keys.adfs;
    const xml = buildFederationMetadata({
      entityId: farm.issuer,
      passiveEndpoint: `https://${farm.wapHost}/adfs/ls/`,
      signingCertificateBase64: key.certificateBase64,
      signingKey: key,
    });
    res.status(200).type('text/xml; charset=utf-8').send(xml);
  };
}
