import { hash, initials, paletteFor } from "~/modules/marketplace/images";

/**
 * A course's cover: the uploaded image, or a generated one (deterministic per course: colours and
 * shapes from a hash of its id, the category and the title's initials). Decorative: the title is
 * always next to it, so it has no text alternative of its own.
 */
export function CourseCover({ course, label, size = "card" }: { course: { id: string; title: string; coverUrl?: string | null }; label?: string; size?: "card" | "hero" | "thumb" }) {
  const url = course.coverUrl;
  const className = `course-cover course-cover-${size}`;
  if (url) return <img src={url} alt="" className={className} loading={size === "hero" ? "eager" : "lazy"} width={640} height={360} />;
  const [from, to] = paletteFor(course.id);
  const h = hash(course.title);
  const gradient = `cover-${course.id}-${size}`;
  return (
    <svg className={className} viewBox="0 0 640 360" preserveAspectRatio="xMidYMid slice" aria-hidden="true" focusable="false" data-testid="generated-cover">
      <defs>
        <linearGradient id={gradient} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor={from} />
          <stop offset="1" stopColor={to} />
        </linearGradient>
      </defs>
      <rect width="640" height="360" fill={`url(#${gradient})`} />
      <circle cx={420 + (h % 160)} cy={60 + ((h >> 8) % 120)} r={110 + ((h >> 4) % 60)} fill="#ffffff" opacity="0.08" />
      <circle cx={80 + ((h >> 12) % 200)} cy={300 - ((h >> 16) % 80)} r={70 + ((h >> 20) % 50)} fill="#ffffff" opacity="0.06" />
      <rect x={460 - ((h >> 6) % 120)} y={200 + ((h >> 10) % 60)} width="160" height="160" rx="28" fill="#ffffff" opacity="0.05" transform={`rotate(${(h % 40) - 20} 540 280)`} />
      <text x="40" y="210" fill="#ffffff" fontSize="120" fontWeight="800" fontFamily="system-ui, sans-serif">
        {initials(course.title)}
      </text>
      {label ? (
        <text x="44" y="300" fill="#ffffff" fontSize="30" fontWeight="600" fontFamily="system-ui, sans-serif" opacity="0.9">
          {label}
        </text>
      ) : null}
    </svg>
  );
}

/** An instructor's photo, or their initials on a colour of their own. */
export function Avatar({ person, size = 48 }: { person: { id: string; name: string; avatarUrl?: string | null }; size?: number }) {
  const url = person.avatarUrl;
  if (url) return <img src={url} alt="" className="avatar" width={size} height={size} />;
  const [from] = paletteFor(person.id);
  return (
    <svg className="avatar" viewBox="0 0 48 48" width={size} height={size} aria-hidden="true" focusable="false" data-testid="initials-avatar">
      <circle cx="24" cy="24" r="24" fill={from} />
      <text x="24" y="30.5" textAnchor="middle" fill="#ffffff" fontSize="18" fontWeight="700" fontFamily="system-ui, sans-serif">
        {initials(person.name)}
      </text>
    </svg>
  );
}
