/**
 * API Gateway request validation: required parameters and the body checked against the method's
 * model (draft-4 JSON schema, as API Gateway uses). Failures carry API Gateway's messages and the
 * field-level details our error shape returns.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv from 'ajv-draft-04';
import type { ApiRoute } from './api-definition';
import type { GatewayError } from './gateway-responses';

/** API Gateway assumes JSON when a request names no content type. */
const DEFAULT_CONTENT_TYPE = 'application/json';

export class RequestValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  private readonly compiled = new Map<Record<string, unknown>, ValidateFunction>();

  /** The failure to answer with, or undefined when the request passes. */
  validate(
    route: ApiRoute,
    request: { headers: Readonly<Record<string, string>>; query: URLSearchParams; body: string },
  ): GatewayError | undefined {
    if (route.validateParameters) {
      // API Gateway wants required parameters present and not blank.
      const headerValues = new Map(
        Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
      );
      const missing = [
        ...route.requiredParameters.header.filter((name) => isBlank(headerValues.get(name.toLowerCase()))),
        ...route.requiredParameters.querystring.filter((name) =>
          isBlank(request.query.get(name) ?? undefined),
        ),
      ];
      if (missing.length > 0) {
        return {
          type: 'BAD_REQUEST_PARAMETERS',
          message: `Missing required request parameters: [${missing.join(', ')}]`,
          details: missing.map((field) => ({ field, message: 'is required' })),
        };
      }
    }
    if (!route.validateBody) return undefined;
    const contentType = contentTypeOf(request.headers);
    const schema = route.requestModels[contentType] ?? route.requestModels.$default;
    if (schema === undefined) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(request.body === '' ? 'null' : request.body);
    } catch {
      return {
        type: 'BAD_REQUEST_BODY',
        details: [{ message: 'The body is not valid JSON' }],
        validationErrorString: '[Invalid JSON]',
      };
    }
    const validateBody = this.compile(schema);
    if (validateBody(body)) return undefined;
    const errors = validateBody.errors ?? [];
    return {
      type: 'BAD_REQUEST_BODY',
      details: errors.map((error) => ({ field: fieldOf(error), message: error.message ?? 'is invalid' })),
      validationErrorString: `[${errors.map((error) => `${fieldOf(error) || 'body'} ${error.message}`).join(', ')}]`,
    };
  }

  private compile(schema: Record<string, unknown>): ValidateFunction {
    let validateBody = this.compiled.get(schema);
    if (!validateBody) {
      // ajv-draft-04 knows the draft-4 meta-schema itself; the $schema key needs no lookup.
      validateBody = this.ajv.compile(schema);
      this.compiled.set(schema, validateBody);
    }
    return validateBody;
  }
}

function isBlank(value: string | undefined): boolean {
  return value === undefined || value.trim() === '';
}

function contentTypeOf(headers: Readonly<Record<string, string>>): string {
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type');
  return entry?.[1].split(';')[0]?.trim().toLowerCase() || DEFAULT_CONTENT_TYPE;
}

/** `/items/0/quantity` -> `items[0].quantity`, the field notation the handlers use. */
function fieldOf(error: ErrorObject): string {
  const segments = error.instancePath.split('/').slice(1);
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  if (missing) segments.push(missing);
  if (extra) segments.push(extra);
  return segments.reduce(
    (path, segment) =>
      /^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment,
    '',
  );
}
