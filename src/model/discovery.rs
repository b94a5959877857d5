//! Entra user and group discovery settings of a cloud management service, and ConfigMgr's rules
//! for them: delta discovery only with discovery on, delta intervals of 5 to 60 minutes, group
//! names only with group discovery, a full-discovery schedule whenever discovery is on.
//! Source: ConfigMgr's `New-CMCloudManagementAzureService` / `Set-CMCloudManagementAzureService`
//! reference (MicrosoftDocs/sccm-docs-powershell-ref).

use crate::error::{Error, Result};

/// How often a full discovery runs (ConfigMgr's schedule token, simplified to an interval).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Unit of the interval.
    pub kind: ScheduleKind,
    /// Number of units between runs.
    pub interval: u32,
}

/// Unit of a discovery schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    /// Every N minutes.
    Minutes,
    /// Every N hours.
    Hours,
    /// Every N days.
    Days,
}

impl ScheduleKind {
    /// Parses the unit name (case-insensitive).
    pub fn parse(value: &str, field: &str) -> Result<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "minutes" => Ok(Self::Minutes),
            "hours" => Ok(Self::Hours),
            "days" => Ok(Self::Days),
            _ => Err(Error::invalid(
                field,
                "InvalidSchedule",
                format!(
                    "{field}.Kind '{value}' is not a schedule unit: use Minutes, Hours or Days."
                ),
            )),
        }
    }

    /// The unit name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Minutes => "Minutes",
            Self::Hours => "Hours",
            Self::Days => "Days",
        }
    }

    /// The largest interval ConfigMgr's schedule token can express in this unit.
    pub fn max_interval(self) -> u32 {
        match self {
            Self::Minutes => 59,
            Self::Hours => 23,
            Self::Days => 31,
        }
    }
}

impl Schedule {
    /// A schedule of `interval` units, checked against what ConfigMgr's token can express;
    /// `field` names the request field in errors.
    pub fn new(kind: ScheduleKind, interval: i64, field: &str) -> Result<Schedule> {
        if interval < 1 || interval > i64::from(kind.max_interval()) {
            return Err(Error::invalid(
                field,
                "OutOfRange",
                format!(
                    "{field}.Interval {interval} is out of range: give 1 to {} {}.",
                    kind.max_interval(),
                    kind.name()
                ),
            ));
        }
        Ok(Schedule {
            kind,
            interval: interval as u32,
        })
    }
}

/// Entra user and group discovery settings of a cloud management service.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Discovery {
    /// Entra user discovery.
    pub enable_user_discovery: bool,
    /// Delta user discovery (needs user discovery).
    pub enable_user_delta_discovery: bool,
    /// Delta interval for users, 5–60 minutes.
    pub user_delta_discovery_mins: Option<i32>,
    /// Full user discovery schedule.
    pub user_discovery_schedule: Option<Schedule>,
    /// Entra group discovery.
    pub enable_group_discovery: bool,
    /// Delta group discovery (needs group discovery).
    pub enable_group_delta_discovery: bool,
    /// Delta interval for groups, 5–60 minutes.
    pub group_delta_discovery_mins: Option<i32>,
    /// Full group discovery schedule.
    pub group_discovery_schedule: Option<Schedule>,
    /// Groups to discover.
    pub add_group_name: Vec<String>,
}

impl Discovery {
    /// ConfigMgr's default full-discovery schedule (every 7 days) when discovery is on.
    pub const DEFAULT_SCHEDULE: Schedule = Schedule {
        kind: ScheduleKind::Days,
        interval: 7,
    };
    /// ConfigMgr's default delta interval.
    pub const DEFAULT_DELTA_MINS: i32 = 5;
}

/// ConfigMgr's range for delta discovery intervals, in minutes.
pub const DELTA_MINS_RANGE: std::ops::RangeInclusive<i64> = 5..=60;

/// Discovery fields as a request gives them: absent ones keep the current value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiscoveryChange {
    /// User discovery.
    pub user: SideChange,
    /// Group discovery.
    pub group: SideChange,
    /// Groups to add (`AddGroupName`).
    pub add_group_name: Vec<String>,
    /// Groups to remove (`DeleteGroupName`, `Set-` only).
    pub delete_group_name: Vec<String>,
}

/// One side (user or group) of a discovery change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SideChange {
    /// `Enable{X}Discovery`.
    pub enabled: Option<bool>,
    /// `Enable{X}DeltaDiscovery`.
    pub delta: Option<bool>,
    /// `{X}DeltaDiscoveryMins`, unchecked until applied.
    pub delta_mins: Option<i64>,
    /// `{X}DiscoverySchedule`.
    pub schedule: Option<Schedule>,
}

/// One side of the stored settings.
#[derive(Debug, Clone, Copy)]
struct SideState {
    enabled: bool,
    delta: bool,
    delta_mins: Option<i32>,
    schedule: Option<Schedule>,
}

/// The request field names of one side: `Enable{X}Discovery`, `Enable{X}DeltaDiscovery`,
/// `{X}DeltaDiscoveryMins`, `{X}DiscoverySchedule`, with `X` = `User` or `Group`.
pub struct SideNames {
    /// `Enable{X}Discovery`.
    pub enable: String,
    /// `Enable{X}DeltaDiscovery`.
    pub delta: String,
    /// `{X}DeltaDiscoveryMins`.
    pub mins: String,
    /// `{X}DiscoverySchedule`.
    pub schedule: String,
}

impl SideNames {
    /// The names of side `who` (`User` or `Group`).
    pub fn of(who: &str) -> Self {
        SideNames {
            enable: format!("Enable{who}Discovery"),
            delta: format!("Enable{who}DeltaDiscovery"),
            mins: format!("{who}DeltaDiscoveryMins"),
            schedule: format!("{who}DiscoverySchedule"),
        }
    }
}

impl DiscoveryChange {
    /// True when the change sets nothing.
    pub fn is_empty(&self) -> bool {
        self == &DiscoveryChange::default()
    }

    /// The settings after this change, checked with ConfigMgr's rules. Settings the request gives
    /// that break a rule are errors naming the field; stored settings that a change makes
    /// meaningless (a delta interval once discovery is off) are dropped.
    pub fn apply(&self, current: &Discovery) -> Result<Discovery> {
        let user = self.user.apply(
            SideState {
                enabled: current.enable_user_discovery,
                delta: current.enable_user_delta_discovery,
                delta_mins: current.user_delta_discovery_mins,
                schedule: current.user_discovery_schedule,
            },
            &SideNames::of("User"),
        )?;
        let group = self.group.apply(
            SideState {
                enabled: current.enable_group_discovery,
                delta: current.enable_group_delta_discovery,
                delta_mins: current.group_delta_discovery_mins,
                schedule: current.group_discovery_schedule,
            },
            &SideNames::of("Group"),
        )?;
        let add_group_name = self.groups(current, group.enabled)?;
        Ok(Discovery {
            enable_user_discovery: user.enabled,
            enable_user_delta_discovery: user.delta,
            user_delta_discovery_mins: user.delta_mins,
            user_discovery_schedule: user.schedule,
            enable_group_discovery: group.enabled,
            enable_group_delta_discovery: group.delta,
            group_delta_discovery_mins: group.delta_mins,
            group_discovery_schedule: group.schedule,
            add_group_name,
        })
    }

    /// The group list after adding and deleting names (case-insensitive, no duplicates).
    fn groups(&self, current: &Discovery, enabled: bool) -> Result<Vec<String>> {
        if !self.add_group_name.is_empty() && !enabled {
            return Err(Error::invalid(
                "AddGroupName",
                "GroupDiscoveryDisabled",
                "AddGroupName needs group discovery: also set EnableGroupDiscovery to true.",
            ));
        }
        let mut groups = if enabled {
            current.add_group_name.clone()
        } else {
            Vec::new()
        };
        for gone in &self.delete_group_name {
            let before = groups.len();
            groups.retain(|g| !g.eq_ignore_ascii_case(gone));
            if groups.len() == before {
                return Err(Error::invalid(
                    "DeleteGroupName",
                    "GroupNotFound",
                    format!("DeleteGroupName '{gone}' is not among the service's discovery groups ({}): check the name with Get-CMAzureService.", groups.join(", ")),
                ));
            }
        }
        for added in &self.add_group_name {
            if !groups.iter().any(|g| g.eq_ignore_ascii_case(added)) {
                groups.push(added.clone());
            }
        }
        Ok(groups)
    }
}

impl SideChange {
    fn apply(&self, current: SideState, n: &SideNames) -> Result<SideState> {
        let enabled = self.enabled.unwrap_or(current.enabled);
        if self.delta == Some(true) && !enabled {
            return Err(needs(&n.delta, &n.enable));
        }
        if self.schedule.is_some() && !enabled {
            return Err(needs(&n.schedule, &n.enable));
        }
        let delta = self.delta.unwrap_or(current.delta) && enabled;
        let delta_mins = match self.delta_mins {
            Some(_) if !delta => {
                return Err(Error::invalid(
                    &n.mins,
                    "DeltaDiscoveryDisabled",
                    format!(
                        "{} needs delta discovery: also set {} to true.",
                        n.mins, n.delta
                    ),
                ))
            }
            Some(m) if !DELTA_MINS_RANGE.contains(&m) => {
                return Err(Error::invalid(
                    &n.mins,
                    "OutOfRange",
                    format!(
                    "{} {m} is out of range: ConfigMgr runs delta discovery every 5 to 60 minutes.",
                    n.mins
                ),
                ))
            }
            Some(m) => Some(m as i32),
            None if delta => current.delta_mins.or(Some(Discovery::DEFAULT_DELTA_MINS)),
            None => None,
        };
        let schedule = if enabled {
            self.schedule
                .or(current.schedule)
                .or(Some(Discovery::DEFAULT_SCHEDULE))
        } else {
            None
        };
        Ok(SideState {
            enabled,
            delta,
            delta_mins,
            schedule,
        })
    }
}

fn needs(field: &str, enable: &str) -> Error {
    Error::invalid(
        field,
        "DiscoveryDisabled",
        format!("{field} needs {enable}: set {enable} to true as well."),
    )
}
