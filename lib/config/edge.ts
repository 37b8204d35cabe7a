import { ConfigError, ContextReader, parseChoice, parseText } from './context-values';

/** Every `edge.*` key the app reads; any other key under `edge.` is refused. */
export const EDGE_KEYS = ['edge.mode', 'edge.priceClass', 'edge.webAclArn', 'edge.domainName', 'edge.certificateArn'] as const;
export type EdgeKey = (typeof EDGE_KEYS)[number];

export const EDGE_MODES = ['lambda-edge', 'cloudfront-function', 'keyvaluestore'] as const;
/**
 * Where the geo-routing runs: Lambda@Edge at origin request, a CloudFront Function at viewer
 * request with the table in its code, or one reading the table from a CloudFront KeyValueStore.
 */
export type EdgeMode = (typeof EDGE_MODES)[number];

export const PRICE_CLASSES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const;
export type EdgePriceClass = (typeof PRICE_CLASSES)[number];

export interface EdgeConfig {
  readonly mode: EdgeMode;
  /**
   * Which edge locations serve viewers. PriceClass_All by default: routing per country is the
   * point of the stack, and the narrower classes leave South America and Oceania (100 also the
   * Middle East, Africa and Asia) to edges far away (docs/edge.md, "Price class").
   */
  readonly priceClass: EdgePriceClass;
  /** A WAF web ACL (scope CLOUDFRONT, so in us-east-1) to attach to the distribution. */
  readonly webAclArn?: string;
  /** A custom domain with its ACM certificate (in us-east-1); both or neither. */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
}

const WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/;
const DOMAIN_NAME = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Reads and validates every `edge.*` key. Throws a ConfigError on the first bad value. */
export function loadEdgeConfig(read: ContextReader<EdgeKey>): EdgeConfig {
  const domainName = parseText('edge.domainName', read('edge.domainName'), DOMAIN_NAME, 'a lowercase DNS name such as ads.example.com');
  const certificateArn = parseText(
    'edge.certificateArn',
    read('edge.certificateArn'),
    CERTIFICATE_ARN,
    'an ACM certificate ARN in us-east-1 (CloudFront only reads certificates from there)',
  );
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    const [missing, given] =
      domainName === undefined ? ['edge.domainName', 'edge.certificateArn'] : ['edge.certificateArn', 'edge.domainName'];
    throw new ConfigError(missing, undefined, `is required when ${given} is set: a custom domain needs both its name and its certificate`);
  }
  return {
    mode: parseChoice('edge.mode', read('edge.mode'), EDGE_MODES, 'lambda-edge'),
    priceClass: parseChoice('edge.priceClass', read('edge.priceClass'), PRICE_CLASSES, 'PriceClass_All'),
    webAclArn: parseText(
      'edge.webAclArn',
      read('edge.webAclArn'),
      WEB_ACL_ARN,
      'a WAFv2 web ACL ARN with scope CLOUDFRONT (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)',
    ),
    customDomain: domainName && certificateArn ? { domainName, certificateArn } : undefined,
  };
}
